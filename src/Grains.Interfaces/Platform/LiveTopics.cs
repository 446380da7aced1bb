namespace ChangemakerLite.Grains.Interfaces.Platform;

/// <summary>Topic names of the live contract (docs/api/platform.md "Live updates"); one place so grains and hubs agree.</summary>
public static class LiveTopics
{
    public const string ClusterHeartbeat = "cluster:heartbeat";
    public static string Shift(Guid shiftId) => $"shift:{shiftId}";
    public const string CanvassLive = "canvass:live";
    public static string CanvassCut(Guid cutId) => $"canvass:cut:{cutId}";
    public static string Session(Guid sessionId) => $"session:{sessionId}";
    /// <summary>Every safety alert and knock conflict, for canvass admins.</summary>
    public const string CanvassAlerts = "canvass:alerts";
    /// <summary>The safety alerts of the sessions on one shift, for its lead (and admins).</summary>
    public static string ShiftAlerts(Guid shiftId) => $"canvass:shift-alerts:{shiftId}";
    public static string Job(Guid jobId) => $"job:{jobId}";
}
