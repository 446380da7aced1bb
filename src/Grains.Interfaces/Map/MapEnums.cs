namespace ChangemakerLite.Grains.Interfaces.Map;

public enum SupportLevel { Level1, Level2, Level3, Level4 }

public enum GeocodeProvider { Google, Mapbox, Nominatim, Photon, Locationiq, Arcgis, Unknown }

public enum BuildingType { SingleFamily, MultiUnit, MixedUse, Commercial }

public enum LocationHistoryAction { Created, Updated, Geocoded, BulkGeocoded, MovedOnMap, ImportedCsv, ImportedNar }

public enum CutCategory { Custom, Ward, Neighborhood, District }
