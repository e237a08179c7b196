// A small JSON reader and writer (no dependency beyond mscorlib, so that the bridge runs on any
// .NET Framework 4.6.2+ and on Mono). Objects are Dictionary<string, object>, arrays
// List<object>, numbers double, plus string, bool and null.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace EntssoBridge.Json
{
    internal sealed class JsonException : Exception
    {
        public JsonException(string message) : base(message) { }
    }

    internal static class JsonText
    {
        /// <summary>Deep input is refused instead of recursed into, so hostile nesting cannot overflow the stack.</summary>
        public const int MaxDepth = 64;

        public static object Parse(string text)
        {
            var reader = new Reader(text);
            reader.SkipSpace();
            object value = reader.ReadValue(0);
            reader.SkipSpace();
            if (!reader.AtEnd) throw new JsonException("Unexpected text after the JSON value.");
            return value;
        }

        public static string Write(object value)
        {
            var sb = new StringBuilder();
            WriteValue(sb, value);
            return sb.ToString();
        }

        static void WriteValue(StringBuilder sb, object value)
        {
            if (value == null || value is DBNull) { sb.Append("null"); return; }
            var s = value as string;
            if (s != null) { WriteString(sb, s); return; }
            if (value is bool) { sb.Append((bool)value ? "true" : "false"); return; }
            if (value is int || value is long || value is double || value is float || value is uint)
            {
                sb.Append(Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture));
                return;
            }
            var dict = value as IDictionary<string, object>;
            if (dict != null)
            {
                sb.Append('{');
                bool first = true;
                foreach (var kv in dict)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, kv.Key);
                    sb.Append(':');
                    WriteValue(sb, kv.Value);
                }
                sb.Append('}');
                return;
            }
            var list = value as System.Collections.IEnumerable;
            if (list != null)
            {
                sb.Append('[');
                bool first = true;
                foreach (var item in list)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteValue(sb, item);
                }
                sb.Append(']');
                return;
            }
            throw new JsonException("A value of type " + value.GetType().Name + " cannot be written as JSON.");
        }

        static void WriteString(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20 || c == '\u2028' || c == '\u2029') sb.Append("\\u").Append(((int)c).ToString("x4"));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }

        sealed class Reader
        {
            readonly string text;
            int pos;

            public Reader(string text) { this.text = text; }

            public bool AtEnd { get { return pos >= text.Length; } }

            public void SkipSpace()
            {
                while (pos < text.Length && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\r' || text[pos] == '\n')) pos++;
            }

            char Peek()
            {
                if (pos >= text.Length) throw new JsonException("Unexpected end of the JSON text.");
                return text[pos];
            }

            public object ReadValue(int depth)
            {
                if (depth > MaxDepth) throw new JsonException("The JSON value is nested more than " + MaxDepth + " levels deep.");
                char c = Peek();
                if (c == '{') return ReadObject(depth);
                if (c == '[') return ReadArray(depth);
                if (c == '"') return ReadString();
                if (c == 't') { Expect("true"); return true; }
                if (c == 'f') { Expect("false"); return false; }
                if (c == 'n') { Expect("null"); return null; }
                return ReadNumber();
            }

            void Expect(string word)
            {
                if (string.CompareOrdinal(text, pos, word, 0, word.Length) != 0) throw new JsonException("Invalid JSON literal.");
                pos += word.Length;
            }

            Dictionary<string, object> ReadObject(int depth)
            {
                var result = new Dictionary<string, object>(StringComparer.Ordinal);
                pos++;
                SkipSpace();
                if (Peek() == '}') { pos++; return result; }
                while (true)
                {
                    SkipSpace();
                    if (Peek() != '"') throw new JsonException("Expected a property name.");
                    string key = ReadString();
                    SkipSpace();
                    if (Peek() != ':') throw new JsonException("Expected ':'.");
                    pos++;
                    SkipSpace();
                    result[key] = ReadValue(depth + 1);
                    SkipSpace();
                    char c = Peek();
                    pos++;
                    if (c == '}') return result;
                    if (c != ',') throw new JsonException("Expected ',' or '}'.");
                }
            }

            List<object> ReadArray(int depth)
            {
                var result = new List<object>();
                pos++;
                SkipSpace();
                if (Peek() == ']') { pos++; return result; }
                while (true)
                {
                    SkipSpace();
                    result.Add(ReadValue(depth + 1));
                    SkipSpace();
                    char c = Peek();
                    pos++;
                    if (c == ']') return result;
                    if (c != ',') throw new JsonException("Expected ',' or ']'.");
                }
            }

            string ReadString()
            {
                pos++;
                var sb = new StringBuilder();
                while (true)
                {
                    char c = Peek();
                    pos++;
                    if (c == '"') return sb.ToString();
                    if (c < 0x20) throw new JsonException("Control character in a JSON string.");
                    if (c != '\\') { sb.Append(c); continue; }
                    char e = Peek();
                    pos++;
                    switch (e)
                    {
                        case '"': sb.Append('"'); break;
                        case '\\': sb.Append('\\'); break;
                        case '/': sb.Append('/'); break;
                        case 'b': sb.Append('\b'); break;
                        case 'f': sb.Append('\f'); break;
                        case 'n': sb.Append('\n'); break;
                        case 'r': sb.Append('\r'); break;
                        case 't': sb.Append('\t'); break;
                        case 'u':
                            if (pos + 4 > text.Length) throw new JsonException("Bad \\u escape.");
                            int code;
                            // AllowHexSpecifier alone: HexNumber would also take blanks around the digits.
                            if (!int.TryParse(text.Substring(pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out code)) throw new JsonException("Bad \\u escape.");
                            sb.Append((char)code);
                            pos += 4;
                            break;
                        default: throw new JsonException("Bad escape in a JSON string.");
                    }
                }
            }

            object ReadNumber()
            {
                int start = pos;
                while (pos < text.Length && "+-0123456789.eE".IndexOf(text[pos]) >= 0) pos++;
                double d;
                if (start == pos || !double.TryParse(text.Substring(start, pos - start), NumberStyles.Float, CultureInfo.InvariantCulture, out d))
                    throw new JsonException("Invalid JSON value.");
                return d;
            }
        }
    }

    /// <summary>Typed reads of a parsed JSON object, failing with a message that names the member.</summary>
    internal static class JsonObject
    {
        const double TwoTo63 = 9223372036854775808.0;

        public static Dictionary<string, object> Obj(object value, string what)
        {
            var d = value as Dictionary<string, object>;
            if (d == null) throw new JsonException(what + " must be an object.");
            return d;
        }

        public static bool Has(Dictionary<string, object> o, string key)
        {
            return o.ContainsKey(key) && o[key] != null;
        }

        public static string Str(Dictionary<string, object> o, string key, string fallback = null)
        {
            object v;
            if (!o.TryGetValue(key, out v) || v == null)
            {
                if (fallback != null) return fallback;
                throw new JsonException("\"" + key + "\" is required.");
            }
            var s = v as string;
            if (s == null) throw new JsonException("\"" + key + "\" must be a string.");
            return s;
        }

        public static bool Bool(Dictionary<string, object> o, string key, bool fallback)
        {
            object v;
            if (!o.TryGetValue(key, out v) || v == null) return fallback;
            if (!(v is bool)) throw new JsonException("\"" + key + "\" must be true or false.");
            return (bool)v;
        }

        public static long Num(Dictionary<string, object> o, string key, long fallback)
        {
            object v;
            if (!o.TryGetValue(key, out v) || v == null) return fallback;
            if (!(v is double)) throw new JsonException("\"" + key + "\" must be a number.");
            double d = (double)v;
            // (double)long.MaxValue is 2^63, one past it: that value itself would wrap to long.MinValue.
            if (d != Math.Floor(d) || d < long.MinValue || d >= TwoTo63) throw new JsonException("\"" + key + "\" must be a whole number.");
            return (long)d;
        }

        public static List<object> Arr(Dictionary<string, object> o, string key, bool required = true)
        {
            object v;
            if (!o.TryGetValue(key, out v) || v == null)
            {
                if (required) throw new JsonException("\"" + key + "\" is required.");
                return new List<object>();
            }
            var l = v as List<object>;
            if (l == null) throw new JsonException("\"" + key + "\" must be an array.");
            return l;
        }

        public static Dictionary<string, object> Child(Dictionary<string, object> o, string key)
        {
            object v;
            if (!o.TryGetValue(key, out v) || v == null) return new Dictionary<string, object>(StringComparer.Ordinal);
            return Obj(v, "\"" + key + "\"");
        }
    }
}
