using System.Text;

namespace ChangemakerLite.Grains.Map;

/// <summary>
/// Reads RFC 4180 CSV one record at a time from a stream of any size: quoted fields with doubled quotes,
/// commas and line breaks inside quotes, CRLF or LF endings, a UTF-8 byte order mark. A record that is
/// malformed (a stray quote, a quote never closed, a record longer than the limit) is reported with the
/// line it started on and reading goes on with the next line, so one bad row never stops an import.
/// </summary>
public sealed class CsvRecordReader
{
    private readonly TextReader _reader;
    private readonly int _maxRecordChars;
    private readonly char[] _buffer = new char[64 * 1024];
    private readonly StringBuilder _field = new();
    private readonly List<string> _fields = [];
    private int _position;
    private int _length;
    private long _line = 1;
    private bool _eof;

    public CsvRecordReader(TextReader reader, int maxRecordChars = 1 << 20)
    {
        _reader = reader;
        _maxRecordChars = maxRecordChars;
    }

    /// <summary>Opens a UTF-8 stream; the byte order mark, when present, is removed (NAR files since 2024 carry one).</summary>
    public static CsvRecordReader Open(Stream stream) =>
        new(new StreamReader(stream, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024));

    public IReadOnlyList<string> Fields => _fields;

    /// <summary>The physical line (1-based) on which the last record started.</summary>
    public long RecordLine { get; private set; }

    /// <summary>Why the last record is malformed, or null when it parsed cleanly.</summary>
    public string? Error { get; private set; }

    /// <summary>Characters consumed so far, for progress reporting.</summary>
    public long CharsRead { get; private set; }

    private int Peek()
    {
        if (_position < _length) return _buffer[_position];
        if (_eof) return -1;
        _length = _reader.Read(_buffer, 0, _buffer.Length);
        _position = 0;
        if (_length == 0) { _eof = true; return -1; }
        return _buffer[0];
    }

    private int Next()
    {
        var c = Peek();
        if (c >= 0) { _position++; CharsRead++; }
        return c;
    }

    /// <summary>Reads the next record; false at the end of the input. Blank lines are skipped.</summary>
    public bool Read()
    {
        while (true)
        {
            _fields.Clear();
            _field.Clear();
            Error = null;
            if (Peek() < 0) return false;
            RecordLine = _line;
            var recordChars = 0;
            var quoted = false;
            var afterQuote = false;
            var fieldStart = true;
            while (true)
            {
                var c = Next();
                if (c < 0)
                {
                    if (quoted) Error = "a quoted field is not closed before the end of the file.";
                    EndField();
                    return true;
                }
                if (++recordChars > _maxRecordChars)
                {
                    Error = $"the record is longer than {_maxRecordChars} characters (an unclosed quote?).";
                    SkipToLineEnd(c);
                    return true;
                }
                if (quoted)
                {
                    if (c == '"')
                    {
                        if (Peek() == '"') { Next(); _field.Append('"'); }
                        else { quoted = false; afterQuote = true; }
                    }
                    else
                    {
                        if (c == '\n') _line++;
                        _field.Append((char)c);
                    }
                    continue;
                }
                switch (c)
                {
                    case ',':
                        EndField();
                        afterQuote = false;
                        fieldStart = true;
                        continue;
                    case '\r':
                        if (Peek() == '\n') Next();
                        _line++;
                        EndField();
                        if (IsBlankRecord()) goto nextRecord;
                        return true;
                    case '\n':
                        _line++;
                        EndField();
                        if (IsBlankRecord()) goto nextRecord;
                        return true;
                    case '"' when fieldStart:
                        quoted = true;
                        fieldStart = false;
                        continue;
                }
                if (afterQuote || c == '"')
                {
                    Error ??= afterQuote
                        ? "unexpected text after a closing quote."
                        : "a quote inside an unquoted field.";
                }
                fieldStart = false;
                _field.Append((char)c);
            }
            nextRecord: ;
        }
    }

    private bool IsBlankRecord() => Error is null && _fields.Count == 1 && _fields[0].Length == 0;

    private void EndField()
    {
        _fields.Add(_field.ToString());
        _field.Clear();
    }

    private void SkipToLineEnd(int c)
    {
        while (c >= 0 && c != '\n') c = Next();
        _line++;
        _fields.Clear();
        _field.Clear();
    }
}
