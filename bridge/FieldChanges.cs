// Adding or removing a field: ENTSSO fixes an application's fields at creation, so the application
// is recreated. The order never leaves a value only in the bridge's memory:
//   1. create "<name>~entsso-bridge-tmp" with the new fields, copy every configuration into it,
//      then write a marker identifier into it: from here the temporary application holds it all;
//   2. delete the original, create it again with the new fields, copy every configuration back;
//   3. delete the temporary application.
// If the bridge dies anywhere, its next start (and every field change) finishes the job: a
// temporary application without the marker is deleted (the original is still intact); one with the
// marker is copied back into a freshly created original (deleting a half-made one first).
// The copies live in ENTSSO, encrypted by ENTSSO; the bridge writes no journal file.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace EntssoBridge
{
    public sealed class FieldChanges
    {
        public const string TemporarySuffix = "~entsso-bridge-tmp";
        public const string MarkerIdentifier = "~entsso-bridge-copy-complete";
        readonly Entsso entsso;

        public FieldChanges(Entsso entsso) { this.entsso = entsso; }

        public static bool IsTemporary(string name)
        {
            return name.EndsWith(TemporarySuffix, StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>Opaque version of a field list (labels, masked flags, order).</summary>
        public static string Version(IEnumerable<FieldRecord> fields)
        {
            var text = string.Join("\n", fields.Select(f => (f.Masked ? "1" : "0") + f.Label));
            using (var sha = SHA256.Create())
                return BitConverter.ToString(sha.ComputeHash(Encoding.UTF8.GetBytes(text)), 0, 8).Replace("-", "").ToLowerInvariant();
        }

        public void Recreate(AppRecord app, List<FieldRecord> current, List<FieldRecord> next)
        {
            string temporary = app.Name + TemporarySuffix;
            if (entsso.ApplicationExists(temporary))
                throw new BridgeError("ENTSSO_E_CONFLICT", "An earlier field change of this application is still being finished. Try again in a moment.");
            var configs = ReadAll(app.Name);
            CrashPoint.Reach("start");
            CreateEnabled(app, temporary, next);
            CrashPoint.Reach("temp-created");
            CopyInto(temporary, configs, next, "temp-copy");
            entsso.WriteConfig(temporary, MarkerIdentifier, Project(new Dictionary<string, object> { { next[0].Label, "complete" } }, next));
            CrashPoint.Reach("temp-complete");
            CompleteFromTemporary(app.Name, temporary);
        }

        /// <summary>Finishes field changes a killed bridge left half-way (see the top of this file).</summary>
        public void FinishInterrupted()
        {
            foreach (var app in entsso.Applications().Where(a => IsTemporary(a.Name)).ToList())
            {
                string original = app.Name.Substring(0, app.Name.Length - TemporarySuffix.Length);
                bool complete = entsso.Identifiers(app.Name).Contains(MarkerIdentifier);
                if (complete)
                {
                    Log.Event("recovery", "finishing the interrupted field change of " + original + " from its complete copy");
                    CompleteFromTemporary(original, app.Name);
                }
                else
                {
                    Log.Event("recovery", "undoing the interrupted field change of " + original + " (its copy was incomplete; the original is intact)");
                    entsso.DeleteApplication(app.Name);
                }
            }
        }

        void CompleteFromTemporary(string name, string temporary)
        {
            if (entsso.ApplicationExists(name)) entsso.DeleteApplication(name);
            CrashPoint.Reach("old-deleted");
            var source = entsso.Application(temporary);
            if (!source.Enabled) entsso.SetEnabled(temporary, true);
            var fields = entsso.Fields(temporary);
            var configs = ReadAll(temporary);
            configs.Remove(MarkerIdentifier);
            CreateEnabled(source, name, fields);
            CrashPoint.Reach("new-created");
            CopyInto(name, configs, fields, "new-copy");
            CrashPoint.Reach("new-complete");
            entsso.DeleteApplication(temporary);
        }

        void CreateEnabled(AppRecord template, string name, List<FieldRecord> fields)
        {
            var app = new AppRecord
            {
                Name = name, Description = template.Description, Contact = template.Contact,
                UserGroup = template.UserGroup, AdminGroup = template.AdminGroup, Flags = template.Flags,
            };
            entsso.CreateApplication(app, fields);
            entsso.SetEnabled(name, true);
        }

        Dictionary<string, Dictionary<string, object>> ReadAll(string application)
        {
            var result = new Dictionary<string, Dictionary<string, object>>(StringComparer.Ordinal);
            foreach (var id in entsso.Identifiers(application)) result[id] = entsso.ReadConfig(application, id, true);
            return result;
        }

        void CopyInto(string application, Dictionary<string, Dictionary<string, object>> configs, List<FieldRecord> fields, string crashPoint)
        {
            foreach (var kv in configs)
            {
                entsso.WriteConfig(application, kv.Key, Project(kv.Value, fields));
                CrashPoint.Reach(crashPoint);
            }
        }

        /// <summary>The values for the given fields: kept where the label existed, empty for a new field.</summary>
        static Dictionary<string, object> Project(Dictionary<string, object> values, List<FieldRecord> fields)
        {
            var result = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var f in fields)
            {
                object v;
                result[f.Label] = values.TryGetValue(f.Label, out v) && v != null && !(v is DBNull) ? Convert.ToString(v) : "";
            }
            return result;
        }
    }

    /// <summary>
    /// Test hook, in TEST builds only (compiled with ENTSSO_TEST_HOOKS): ENTSSO_BRIDGE_CRASH_AT=&lt;step&gt;
    /// kills the bridge (SIGKILL on Mono) when it reaches that step. In the shipped build every step passes.
    /// </summary>
    public static class CrashPoint
    {
#if ENTSSO_TEST_HOOKS
        static readonly string Target = Environment.GetEnvironmentVariable("ENTSSO_BRIDGE_CRASH_AT");
#endif

        public static void Reach(string step)
        {
#if ENTSSO_TEST_HOOKS
            if (Target == null || Target != step) return;
            Log.Event("crash-point", step);
            Process.GetCurrentProcess().Kill();
#endif
        }
    }
}
