using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.Grains.Interfaces.Media;

[LowerSnakeCaseWireNames]
public enum DirectoryType { Studios, Gifs, Private, Inbox, Curated, Playback, Compilations, Videos, Highlights }

[LowerSnakeCaseWireNames]
public enum ResourceCategory { GpuAi, GpuEncode, Cpu }

[LowerSnakeCaseWireNames]
public enum JobStatus { Pending, Queued, Running, Completed, Failed, Cancelled }
