namespace ChangemakerLite.Grains.Interfaces.Templates;

public enum EmailTemplateCategory { Influence, Map, System }
