// FrontendApp calls AddShiftsFrontend and MapShiftEndpoints; importing the module here keeps the shared
// FrontendApp.cs to one line per module, so modules merge without touching each other's lines.
global using ChangemakerLite.WebFrontend.Shifts;
