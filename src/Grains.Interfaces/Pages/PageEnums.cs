namespace ChangemakerLite.Grains.Interfaces.Pages;

public enum EditorMode { Visual, Code }

public enum MkdocsExportMode { Themed, Standalone }
