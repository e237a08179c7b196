// The service's limits on what config.set may store (src/protocol/limits.ts LIMITS.valueLength,
// src/protocol/configurationSize.ts MAX_CONFIGURATION_BYTES), so that what the bridge writes can
// also be read back in one frame and exported, as with the project's own service.
using System;
using System.Collections.Generic;

namespace EntssoBridge
{
    public static class ConfigurationSize
    {
        /// <summary>LIMITS.valueLength: UTF-16 code units, as JavaScript's string length counts them.</summary>
        public const int MaxValueLength = 256 * 1024;
        public const long MaxConfigurationBytes = 1024 * 1024;

        public static void CheckValues(Dictionary<string, object> given)
        {
            foreach (var kv in given)
                if (((string)kv.Value).Length > MaxValueLength)
                    throw BridgeError.Invalid("The value of field \"" + kv.Key + "\" is longer than " + MaxValueLength + " characters.");
        }

        /// <summary>
        /// Refuses a write after which the configuration would be larger than 1 MiB as read (checkConfigurationSize of
        /// src/ssoService/service/applicationState.ts); one that does not make it larger than it was is let through.
        /// </summary>
        public static void Check(string application, string identifier, IList<FieldRecord> fields, Dictionary<string, object> after, Dictionary<string, object> before)
        {
            long bytes = AsRead(fields, after);
            if (bytes <= MaxConfigurationBytes) return;
            if (before != null && bytes <= AsRead(fields, before)) return;
            throw new BridgeError("ENTSSO_E_CONFIGURATION_TOO_LARGE",
                "The configuration would hold " + bytes + " bytes, more than the 1 MiB one may hold. Nothing was saved: shorten the largest values.",
                new Dictionary<string, object> { { "application", application }, { "identifier", identifier }, { "bytes", bytes }, { "limit", MaxConfigurationBytes } });
        }

        /// <summary>configurationBytes(): UTF-8 bytes of the JSON object of every field (label to value, "" when none).</summary>
        static long AsRead(IList<FieldRecord> fields, Dictionary<string, object> values)
        {
            long bytes = 2;
            foreach (var f in fields)
            {
                object v;
                string value = values.TryGetValue(f.Label, out v) && v != null && !(v is DBNull) ? Convert.ToString(v) : "";
                bytes += JsonBytes(f.Label) + 1 + JsonBytes(value);
            }
            return fields.Count == 0 ? bytes : bytes + fields.Count - 1;
        }

        /// <summary>UTF-8 length of JSON.stringify(s): quotes, short escapes, \u00XX for other controls and lone surrogates.</summary>
        public static long JsonBytes(string s)
        {
            long n = 2;
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') n += 2;
                else if (c < 0x20) n += 6;
                else if (c < 0x80) n += 1;
                else if (c < 0x800) n += 2;
                else if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { n += 4; i++; }
                else if (char.IsSurrogate(c)) n += 6;
                else n += 3;
            }
            return n;
        }
    }
}
