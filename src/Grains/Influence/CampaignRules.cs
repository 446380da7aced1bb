using ChangemakerLite.Grains.Interfaces.Influence;
using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.Grains.Influence;

/// <summary>
/// The rules of a campaign's own row, decided against the grain's in-memory copy: the shape of its fields, what a
/// supporter's submission may switch on, what an author may still do to their draft, the status machine
/// (<see cref="InfluenceRules.CanMove"/>), and that only an ACTIVE campaign is public. The campaign grain asks; this decides.
/// </summary>
public static class CampaignRules
{
    /// <summary>The fields as stored: trimmed, empty optional texts as null, each government level once.</summary>
    public static CampaignFields Clean(CampaignFields f) => new(
        f.Title.Trim(), Trimmed(f.Description), f.EmailSubject.Trim(), f.EmailBody, Trimmed(f.CallToAction), Trimmed(f.CoverPhoto),
        f.TargetGovernmentLevels.Distinct().ToList());

    public static void Validate(CampaignFields f)
    {
        if (f.Title.Length == 0) throw DomainException.Invalid("title", "is required.");
        if (f.Title.Length > InfluenceRules.TitleMaxLength) throw DomainException.Invalid("title", $"must be at most {InfluenceRules.TitleMaxLength} characters.");
        if (f.EmailSubject.Length == 0) throw DomainException.Invalid("emailSubject", "is required.");
        if (string.IsNullOrWhiteSpace(f.EmailBody)) throw DomainException.Invalid("emailBody", "is required.");
    }

    /// <summary>A supporter's submission waits for review and cannot reach anyone's inbox until an admin decides it may.</summary>
    public static CampaignFlags CreationFlags(CampaignActor actor, CampaignFlags wanted) => actor.IsAdmin
        ? wanted
        : wanted with { AllowSmtpEmail = false, AllowCustomRecipients = false, HighlightCampaign = false };

    /// <summary>A non-admin edits only their own campaign, only while it is a draft, and neither its status nor its switches.</summary>
    public static void EnsureMayEdit(CampaignView campaign, UpdateCampaignCommand command)
    {
        if (command.Actor.IsAdmin) return;
        if (campaign.CreatedByUserId != command.Actor.UserId) throw DomainException.NotFound("The campaign");
        if (campaign.Status != CampaignStatus.Draft)
            throw Conflict("Only a draft can be edited by its author; this campaign is under an admin's care now.", "not_draft");
        if (command.Status is not null) throw DomainException.Forbidden("Only influence admins change a campaign's status.");
        if (command.Flags.Any) throw DomainException.Forbidden("Only influence admins change a campaign's switches.");
    }

    /// <summary>A non-admin deletes only their own campaign, and only while it is a draft.</summary>
    public static void EnsureMayDelete(CampaignView campaign, CampaignActor actor)
    {
        if (actor.IsAdmin) return;
        if (campaign.CreatedByUserId != actor.UserId) throw DomainException.NotFound("The campaign");
        if (campaign.Status != CampaignStatus.Draft) throw Conflict("Only a draft can be deleted by its author.", "not_draft");
    }

    /// <summary>
    /// The campaign after an edit: the fields merged over the current ones, the status moved along the machine, and an
    /// archived campaign refusing any change of its title, email or switches unless the edit moves its status.
    /// </summary>
    public static CampaignView Edited(CampaignView campaign, UpdateCampaignCommand command, DateTimeOffset now)
    {
        var fields = Clean(new CampaignFields(
            command.Title ?? campaign.Title,
            command.Description is null ? campaign.Description : command.Description,
            command.EmailSubject ?? campaign.EmailSubject,
            command.EmailBody ?? campaign.EmailBody,
            command.CallToAction is null ? campaign.CallToAction : command.CallToAction,
            command.CoverPhoto is null ? campaign.CoverPhoto : command.CoverPhoto,
            command.TargetGovernmentLevels ?? campaign.TargetGovernmentLevels));
        Validate(fields);
        var status = campaign.Status;
        if (command.Status is { } wanted && wanted != campaign.Status)
        {
            if (!InfluenceRules.CanMove(campaign.Status, wanted))
                throw Conflict($"A campaign cannot move from {EnumWireNames.ToWireName(campaign.Status)} to {EnumWireNames.ToWireName(wanted)}.",
                    "status_move");
            status = wanted;
        }
        else if (campaign.Status == CampaignStatus.Archived && (command.Flags.Any || command.Title is not null || command.EmailBody is not null ||
                                                                 command.EmailSubject is not null))
        {
            throw Conflict("An archived campaign can no longer be changed.", "archived");
        }
        return (campaign with
        {
            Title = fields.Title, Description = fields.Description, EmailSubject = fields.EmailSubject, EmailBody = fields.EmailBody,
            CallToAction = fields.CallToAction, CoverPhoto = fields.CoverPhoto, TargetGovernmentLevels = fields.TargetGovernmentLevels,
            Status = status,
            SubmittedForReview = campaign.SubmittedForReview && status == CampaignStatus.Draft,
            UpdatedAt = now,
        }).WithFlags(command.Flags.ApplyTo(campaign.Flags));
    }

    /// <summary>Only an ACTIVE campaign is public; any other is answered as not found.</summary>
    public static void EnsurePublic(CampaignView campaign)
    {
        if (campaign.Status != CampaignStatus.Active) throw DomainException.NotFound("The campaign");
    }

    /// <summary>The supporter's name, email and postal code are kept only where the campaign collects them.</summary>
    public static string? Collected(CampaignView campaign, string? value) => campaign.CollectUserInfo ? Trimmed(value) : null;

    public static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>A 409 naming why (<c>reason</c>), as every influence conflict is answered.</summary>
    public static DomainException Conflict(string message, string reason) =>
        DomainException.Conflict(message, new Dictionary<string, string> { ["reason"] = reason });
}
