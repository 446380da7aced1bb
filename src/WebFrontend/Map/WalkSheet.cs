using System.Globalization;
using System.Net;
using System.Text;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;

namespace ChangemakerLite.WebFrontend.Map;

/// <summary>
/// The printable walk sheet of a cut: the map settings' title, subtitle, footer and up to three QR codes
/// (rendered here as PNG data URIs, so the page prints offline), then the doors grouped by street in
/// walking order with boxes for the outcome. Every value from the database is HTML-encoded.
/// </summary>
public static class WalkSheet
{
    public static readonly string[] Outcomes = ["Not home", "Spoke with", "Refused", "Left literature", "Come back", "Moved"];

    public static string Render(Cut cut, MapSettings settings, IReadOnlyList<CutAddressRow> rows, DateTime printedAt)
    {
        static string E(string? text) => WebUtility.HtmlEncode(text ?? "");
        var html = new StringBuilder(8192 + rows.Count * 600);
        var title = settings.WalkSheetTitle ?? "Walk sheet";
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append("<title>").Append(E(title)).Append(" — ").Append(E(cut.Name)).Append("</title>");
        html.Append("""
            <style>
            body{font-family:Arial,Helvetica,sans-serif;font-size:11pt;margin:1.5cm;color:#000}
            header{display:flex;justify-content:space-between;align-items:flex-start;border-bottom:2px solid #000;margin-bottom:1em}
            h1{font-size:18pt;margin:0}.subtitle{font-size:12pt;margin:.2em 0}.meta{font-size:9pt;color:#333}
            .qr-codes{display:flex;gap:1em}.qr{text-align:center;font-size:8pt;max-width:3.2cm}.qr img{width:3cm;height:3cm;display:block}
            h2{font-size:13pt;margin:1.2em 0 .3em;page-break-after:avoid}h3{font-size:10pt;margin:.4em 0;color:#333}
            table{width:100%;border-collapse:collapse;margin-bottom:.6em}th,td{border:1px solid #666;padding:3px 4px;vertical-align:top}
            th{background:#eee;font-size:9pt;text-align:left}td.box{width:1.3cm;text-align:center}.notes{width:25%}
            tr{page-break-inside:avoid}footer{margin-top:1.5em;border-top:1px solid #000;padding-top:.5em;font-size:9pt}
            @media print{body{margin:1cm}.no-print{display:none}}
            </style></head><body>
            """);
        html.Append("<header><div><h1>").Append(E(title)).Append("</h1>");
        if (settings.WalkSheetSubtitle is { } subtitle) html.Append("<p class=\"subtitle\">").Append(E(subtitle)).Append("</p>");
        html.Append("<p class=\"meta\">Area: <strong class=\"cut-name\">").Append(E(cut.Name)).Append("</strong>");
        if (cut.AssignedTo is { } assigned) html.Append(" · Assigned to ").Append(E(assigned));
        html.Append(" · ").Append(rows.Count.ToString(CultureInfo.InvariantCulture)).Append(" doors · Printed ")
            .Append(E(printedAt.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))).Append("</p></div>");

        var codes = new[] { (settings.QrCode1Url, settings.QrCode1Label), (settings.QrCode2Url, settings.QrCode2Label), (settings.QrCode3Url, settings.QrCode3Label) }
            .Where(q => !string.IsNullOrWhiteSpace(q.Item1)).ToList();
        if (codes.Count > 0)
        {
            html.Append("<div class=\"qr-codes\">");
            foreach (var (url, label) in codes)
            {
                html.Append("<figure class=\"qr\"><img alt=\"").Append(E(label ?? url)).Append("\" src=\"data:image/png;base64,")
                    .Append(QrPng(url!)).Append("\"><figcaption>").Append(E(label ?? url)).Append("</figcaption></figure>");
            }
            html.Append("</div>");
        }
        html.Append("</header>");

        html.Append("<p class=\"meta\">Support: 1 strong · 2 leaning · 3 undecided/leaning against · 4 opposed.</p>");
        foreach (var street in WalkingOrder.GroupByStreet(rows))
        {
            html.Append("<section class=\"street\"><h2>").Append(E(street.Street)).Append("</h2>");
            foreach (var side in street.Sides)
            {
                html.Append("<h3>").Append(side.Odd ? "Odd side" : "Even side").Append("</h3><table><thead><tr><th>Address</th><th>Unit</th><th>Name</th><th>Support</th>");
                foreach (var outcome in Outcomes) html.Append("<th>").Append(E(outcome)).Append("</th>");
                html.Append("<th>Sign</th><th class=\"notes\">Notes</th></tr></thead><tbody>");
                foreach (var row in side.Rows)
                {
                    html.Append("<tr><td>").Append(E(WalkingOrder.StreetLine(row.Address))).Append("</td><td>").Append(E(row.UnitNumber))
                        .Append("</td><td>").Append(E(string.Join(' ', new[] { row.FirstName, row.LastName }.Where(n => !string.IsNullOrEmpty(n)))))
                        .Append("</td><td class=\"box\">");
                    html.Append(row.SupportLevel is { } level ? E(EnumWireNames.ToWireName(level).Replace("LEVEL_", "")) : "1 2 3 4");
                    html.Append("</td>");
                    foreach (var _ in Outcomes) html.Append("<td class=\"box\">☐</td>");
                    html.Append("<td class=\"box\">").Append(row.Sign ? "☑" : "☐").Append("</td><td class=\"notes\">").Append(E(row.Notes)).Append("</td></tr>");
                }
                html.Append("</tbody></table>");
            }
            html.Append("</section>");
        }
        if (rows.Count == 0) html.Append("<p class=\"empty\">No doors inside this area.</p>");
        html.Append("<footer>");
        if (settings.WalkSheetFooter is { } footer) html.Append("<p>").Append(E(footer)).Append("</p>");
        html.Append("</footer></body></html>");
        return html.ToString();
    }

    private static string QrPng(string url) =>
        Convert.ToBase64String(Platform.QrCodes.Png(url, 240));
}
