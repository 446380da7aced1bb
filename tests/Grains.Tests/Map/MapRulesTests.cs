using System.Text;
using ChangemakerLite.Grains.Interfaces.Map;
using ChangemakerLite.Grains.Interfaces.Platform;
using ChangemakerLite.Grains.Map;

namespace ChangemakerLite.Grains.Tests.Map;

public sealed class PostalCodeTests
{
    [Theory]
    [InlineData("t5j1n3", "T5J 1N3")]
    [InlineData(" T5J-1N3 ", "T5J 1N3")]
    [InlineData("K1A 0B1", "K1A 0B1")]
    [InlineData("X0A 0H0", "X0A 0H0")]
    [InlineData("T5W 1Z9", "T5W 1Z9")]
    public void Valid_codes_are_normalised(string input, string expected) => Assert.Equal(expected, PostalCode.Normalize(input));

    [Theory]
    [InlineData("D5J 1N3")] // D never used
    [InlineData("T5F 1N3")] // F never used
    [InlineData("T5J 1I3")] // I never used
    [InlineData("O5J 1N3")]
    [InlineData("T5Q 1N3")]
    [InlineData("U5J 1N3")]
    [InlineData("W5J 1N3")] // W never first
    [InlineData("Z5J 1N3")] // Z never first
    [InlineData("T5J 1N")]
    [InlineData("T5J 1N34")]
    [InlineData("55J 1N3")]
    [InlineData("")]
    public void Invalid_codes_are_refused(string input) => Assert.Null(PostalCode.Normalize(input));

    [Fact]
    public void Prefixes_accept_an_fsa_and_refuse_impossible_beginnings()
    {
        Assert.Equal("T5K", PostalCode.NormalizePrefix("t5k"));
        Assert.Equal("T5K 2", PostalCode.NormalizePrefix("T5K2"));
        Assert.Null(PostalCode.NormalizePrefix("W5K"));
        Assert.Null(PostalCode.NormalizePrefix("TT"));
    }
}

public sealed class StatCanLambertTests
{
    [Fact]
    public void The_cangeocode_fixture_point_projects_back_to_its_latitude_and_longitude()
    {
        var (lat, lng) = StatCanLambert.ToLatLng(4012046.46, 2006868.66);
        Assert.Equal(49.25012, lat, 4);
        Assert.Equal(-123.19994, lng, 4);
    }

    [Theory]
    [InlineData(53.5461, -113.4938)]
    [InlineData(45.5017, -73.5673)]
    [InlineData(74.7, -95.0)]
    public void Forward_and_inverse_agree(double lat, double lng)
    {
        var (x, y) = StatCanLambert.FromLatLng(lat, lng);
        var (lat2, lng2) = StatCanLambert.ToLatLng(x, y);
        Assert.Equal(lat, lat2, 8);
        Assert.Equal(lng, lng2, 8);
    }
}

public sealed class GeoPolygonTests
{
    private const string Donut = """
        {"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Polygon","coordinates":[
          [[0,0],[10,0],[10,10],[0,10],[0,0]],
          [[4,4],[6,4],[6,6],[4,6],[4,4]]]}}
        """;

    [Fact]
    public void Points_in_holes_are_outside_and_bounds_come_from_the_outer_rings()
    {
        var polygon = GeoPolygon.Parse(Donut);
        Assert.Equal("Polygon", polygon.Type);
        Assert.True(polygon.Contains(latitude: 1, longitude: 1));
        Assert.False(polygon.Contains(latitude: 5, longitude: 5));
        Assert.False(polygon.Contains(latitude: 11, longitude: 5));
        Assert.Equal(new BoundingBox(0, 0, 10, 10), polygon.Bounds);
        Assert.DoesNotContain("properties", polygon.Json);
    }

    [Fact]
    public void A_multipolygon_contains_points_of_any_part()
    {
        var polygon = GeoPolygon.Parse("""
            {"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[20,20],[21,20],[21,21],[20,21],[20,20]]]]}
            """);
        Assert.True(polygon.Contains(20.5, 20.5));
        Assert.True(polygon.Contains(0.2, 0.8));
        Assert.False(polygon.Contains(10, 10));
        Assert.Equal(new BoundingBox(0, 0, 21, 21), polygon.Bounds);
    }

    [Theory]
    [InlineData("""{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}""", "geojson.coordinates[0]", "closed")]
    [InlineData("""{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}""", "geojson.coordinates[0]", "4 positions")]
    [InlineData("""{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0],[0,0]]]}""", "geojson.coordinates[0]", "3 distinct")]
    [InlineData("""{"type":"Polygon","coordinates":[[[0,0],["a",0],[1,1],[0,0]]]}""", "geojson.coordinates[0][1][0]", "number")]
    [InlineData("""{"type":"Polygon","coordinates":[[[0,0],[1,-91],[1,1],[0,0]]]}""", "geojson.coordinates[0][1][1]", "latitude")]
    [InlineData("""{"type":"Polygon","coordinates":[[[0,0],[1],[1,1],[0,0]]]}""", "geojson.coordinates[0][1]", "[longitude, latitude]")]
    [InlineData("""{"type":"LineString","coordinates":[[0,0],[1,1]]}""", "geojson.type", "Polygon")]
    [InlineData("""{"type":"Feature","geometry":null}""", "geojson.geometry", "geometry")]
    [InlineData("""[1,2]""", "geojson", "object")]
    public void Invalid_geometry_names_the_path_of_the_problem(string json, string field, string message)
    {
        var error = Assert.Throws<DomainException>(() => GeoPolygon.Parse(json));
        Assert.Equal(DomainErrorKind.Invalid, error.Kind);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message);
    }
}

public sealed class CsvRecordReaderTests
{
    private static CsvRecordReader Reader(string text, bool bom = true)
    {
        var bytes = (bom ? new UTF8Encoding(true).GetPreamble() : []).Concat(Encoding.UTF8.GetBytes(text)).ToArray();
        return CsvRecordReader.Open(new MemoryStream(bytes));
    }

    [Fact]
    public void Quotes_commas_line_breaks_accents_and_the_byte_order_mark_are_read_as_written()
    {
        var reader = Reader("LOC_GUID,NAME\r\na,\"Montée \"\"du\"\" Lac, Est\"\r\nb,\"two\nlines\"\r\n\r\nc,\r\n");
        Assert.True(reader.Read());
        Assert.Equal(["LOC_GUID", "NAME"], reader.Fields);
        Assert.True(reader.Read());
        Assert.Equal(["a", "Montée \"du\" Lac, Est"], reader.Fields);
        Assert.Equal(2, reader.RecordLine);
        Assert.True(reader.Read());
        Assert.Equal(["b", "two\nlines"], reader.Fields);
        Assert.Equal(3, reader.RecordLine);
        Assert.True(reader.Read());
        Assert.Equal(["c", ""], reader.Fields);
        Assert.Equal(6, reader.RecordLine);
        Assert.Null(reader.Error);
        Assert.False(reader.Read());
    }

    [Fact]
    public void Malformed_records_are_reported_with_their_line_and_reading_goes_on()
    {
        var reader = Reader("h1,h2\nx\"y,1\n\"a\"b,2\nok,3\n\"never closed,4\nlost,5\n", bom: false);
        Assert.True(reader.Read());
        Assert.True(reader.Read());
        Assert.Contains("quote inside", reader.Error);
        Assert.Equal(2, reader.RecordLine);
        Assert.True(reader.Read());
        Assert.Contains("after a closing quote", reader.Error);
        Assert.True(reader.Read());
        Assert.Null(reader.Error);
        Assert.Equal(["ok", "3"], reader.Fields);
        Assert.Equal(4, reader.RecordLine);
        Assert.True(reader.Read());
        Assert.Contains("not closed", reader.Error);
        Assert.Equal(5, reader.RecordLine);
        Assert.False(reader.Read());
    }

    [Fact]
    public void A_runaway_record_is_cut_at_the_limit_and_the_next_line_is_read()
    {
        var reader = new CsvRecordReader(new StringReader("\"" + new string('x', 200) + "\nnext,1\n"), maxRecordChars: 100);
        Assert.True(reader.Read());
        Assert.Contains("longer than 100", reader.Error);
        Assert.True(reader.Read());
        Assert.Equal(["next", "1"], reader.Fields);
    }
}
