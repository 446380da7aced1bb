using System.Text;

namespace ChangemakerLite.Grains.Interfaces.Platform;

/// <summary>Marks an enum whose database and JSON spelling is lower snake case (the media tables' literals).</summary>
[AttributeUsage(AttributeTargets.Enum)]
public sealed class LowerSnakeCaseWireNamesAttribute : Attribute;

/// <summary>
/// The one rule that turns a C# enum member into the name written in PostgreSQL and JSON
/// (as the schema's enum types spell them): SuperAdmin → SUPER_ADMIN, Level1 → LEVEL_1, GpuAi → gpu_ai for lower-case enums.
/// The database mapping and the JSON converter both use it, so the two can never disagree.
/// </summary>
public static class EnumWireNames
{
    public static string ToWireName(string memberName, bool lowerCase)
    {
        var builder = new StringBuilder(memberName.Length + 8);
        for (var i = 0; i < memberName.Length; i++)
        {
            var c = memberName[i];
            if (i > 0)
            {
                var previous = memberName[i - 1];
                var startsWord = (char.IsUpper(c) && !char.IsUpper(previous)) ||
                                 (char.IsDigit(c) && !char.IsDigit(previous)) ||
                                 (char.IsUpper(c) && i + 1 < memberName.Length && char.IsLower(memberName[i + 1]) && char.IsUpper(previous));
                if (startsWord) builder.Append('_');
            }
            builder.Append(lowerCase ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
        }
        return builder.ToString();
    }

    public static bool UsesLowerCase(Type enumType) =>
        enumType.IsDefined(typeof(LowerSnakeCaseWireNamesAttribute), inherit: false);

    /// <summary>The wire name of an enum value, worked out once per value (it is on every request's path: roles, JSON, SQL).</summary>
    public static string ToWireName<TEnum>(TEnum value) where TEnum : struct, Enum =>
        Names<TEnum>.ByValue.TryGetValue(value, out var name) ? name : ToWireName(value.ToString(), Names<TEnum>.LowerCase);

    private static class Names<TEnum> where TEnum : struct, Enum
    {
        public static readonly bool LowerCase = UsesLowerCase(typeof(TEnum));

        public static readonly Dictionary<TEnum, string> ByValue = Enum.GetValues<TEnum>().Distinct()
            .ToDictionary(v => v, v => ToWireName(v.ToString(), LowerCase));
    }

    /// <summary>Every enum persisted in PostgreSQL with the name of its database type.</summary>
    public static readonly IReadOnlyList<(Type EnumType, string PgTypeName)> DatabaseEnums =
    [
        (typeof(Auth.UserRole), "user_role"),
        (typeof(Auth.UserStatus), "user_status"),
        (typeof(Auth.UserCreatedVia), "user_created_via"),
        (typeof(Influence.CampaignStatus), "campaign_status"),
        (typeof(Influence.GovernmentLevel), "government_level"),
        (typeof(Influence.EmailMethod), "email_method"),
        (typeof(Influence.CampaignEmailStatus), "campaign_email_status"),
        (typeof(Influence.ResponseType), "response_type"),
        (typeof(Influence.ResponseStatus), "response_status"),
        (typeof(Map.SupportLevel), "support_level"),
        (typeof(Map.GeocodeProvider), "geocode_provider"),
        (typeof(Map.BuildingType), "building_type"),
        (typeof(Map.LocationHistoryAction), "location_history_action"),
        (typeof(Map.CutCategory), "cut_category"),
        (typeof(Shifts.ShiftStatus), "shift_status"),
        (typeof(Shifts.SignupStatus), "signup_status"),
        (typeof(Shifts.SignupSource), "signup_source"),
        (typeof(Canvassing.VisitOutcome), "visit_outcome"),
        (typeof(Canvassing.CanvassSessionStatus), "canvass_session_status"),
        (typeof(Canvassing.TrackPointEvent), "track_point_event"),
        (typeof(Canvassing.SafetyAlertKind), "safety_alert_kind"),
        (typeof(Templates.EmailTemplateCategory), "email_template_category"),
        (typeof(Pages.EditorMode), "editor_mode"),
        (typeof(Pages.MkdocsExportMode), "mkdocs_export_mode"),
        (typeof(Media.DirectoryType), "directory_type"),
        (typeof(Media.ResourceCategory), "resource_category"),
        (typeof(Media.JobStatus), "job_status"),
    ];
}
