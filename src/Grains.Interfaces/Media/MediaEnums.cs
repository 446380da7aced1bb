using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.Grains.Interfaces.Media;

[LowerSnakeCaseWireNames]
public enum DirectoryType { Studios, Gifs, Private, Inbox, Curated, Playback, Compilations, Videos, Highlights }

[LowerSnakeCaseWireNames]
public enum ResourceCategory { GpuAi, GpuEncode, Cpu }

[LowerSnakeCaseWireNames]
public enum JobStatus { Pending, Queued, Running, Completed, Failed, Cancelled }

/// <summary>The six reactions of the public gallery (LIKE … ANGRY on the wire).</summary>
public enum MediaReaction { Like, Love, Laugh, Wow, Sad, Angry }

public enum CommentStatus { Pending, Approved, Rejected }

[LowerSnakeCaseWireNames]
public enum GallerySort { Recent, Popular }
