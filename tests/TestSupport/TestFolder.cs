namespace ChangemakerLite.TestSupport;

/// <summary>A fresh folder under the system's temporary directory, removed with everything in it when disposed.</summary>
public sealed class TestFolder : IAsyncDisposable
{
    public TestFolder(string prefix)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public ValueTask DisposeAsync()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        return ValueTask.CompletedTask;
    }
}
