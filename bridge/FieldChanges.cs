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
// Every step, the recovery included, runs under the application's FieldChangeLock (held in ENTSSO):
// bridges of other windows, machines and admins leave a change alone while its owner lives, and
// decide what to finish only from what they read after taking the lock.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace EntssoBridge
{
    public sealed class FieldChanges
    {
        public const string TemporarySuffix = "~entsso-bridge-tmp";
        public const string MarkerIdentifier = "~entsso-bridge-copy-complete";
        /// <summary>SSO_FLAG_FIELD_INFO_MASK (the masked bit FieldRecord.Masked says already).</summary>
        const int FieldInfoMask = 0x10000000;
        readonly Entsso entsso;

        public FieldChanges(Entsso entsso) { this.entsso = entsso; }

        /// <summary>One of the bridge's own applications (a field change's copy or lock), hidden from listings.</summary>
        public static bool IsTemporary(string name)
        {
            return name.EndsWith(TemporarySuffix, StringComparison.OrdinalIgnoreCase) || FieldChangeLock.IsLock(name);
        }

        /// <summary>Opaque version of a field list (labels, masked flags, order).</summary>
        public static string Version(IEnumerable<FieldRecord> fields)
        {
            // Every flag counts (a field recreated without SSO_FLAG_FIELD_INFO_SYNC is a different field list).
            var text = string.Join("\n", fields.Select(f => (f.Masked ? "1" : "0") + ((f.Flags & ~FieldInfoMask) == 0 ? "" : "/" + (f.Flags & ~FieldInfoMask).ToString("x", CultureInfo.InvariantCulture) + "/") + f.Label));
            using (var sha = SHA256.Create())
                return BitConverter.ToString(sha.ComputeHash(Encoding.UTF8.GetBytes(text)), 0, 8).Replace("-", "").ToLowerInvariant();
        }

        public void Recreate(AppRecord app, List<FieldRecord> current, List<FieldRecord> next)
        {
            string temporary = app.Name + TemporarySuffix;
            using (var held = Lock(app, app.Name))
            {
                if (entsso.ApplicationExists(temporary))
                {
                    FinishUnderLock(app.Name, held);
                    throw new BridgeError("ENTSSO_E_CONFLICT", "An earlier field change of this application had been interrupted; it has just been finished (or undone, if the application had not been deleted yet). Refresh, then try again.");
                }
                try
                {
                    var configs = ReadAll(app.Name);
                    CrashPoint.Reach("start");
                    CreateEnabled(app, temporary, next);
                    CrashPoint.Reach("temp-created");
                    CopyInto(temporary, configs, next, "temp-copy");
                    entsso.WriteConfigRetrying(temporary, MarkerIdentifier, Project(new Dictionary<string, object> { { next[0].Label, "complete" } }, next));
                    CrashPoint.Reach("temp-complete");
                    CompleteFromTemporary(app.Name, temporary, held, configs);
                }
                catch (BridgeError)
                {
                    // Undo an incomplete copy (or finish a complete one) now, while this bridge holds the lock.
                    try { FinishUnderLock(app.Name, held); }
                    catch (BridgeError e) { Log.Event("recovery-pending", e.SsoCode + ": " + e.Message); }
                    throw;
                }
            }
        }

        FieldChangeLock Lock(AppRecord groupsFrom, string application)
        {
            string holder;
            var held = FieldChangeLock.TryAcquire(entsso, groupsFrom, application, out holder);
            if (held == null)
                throw new BridgeError("ENTSSO_E_CONFLICT", "Another Enterprise SSO client is changing the fields of this application (" + holder + "). Try again when it is done.");
            return held;
        }

        /// <summary>The original application's name when <paramref name="name"/> is one of the bridge's own (copy or lock), else null.</summary>
        static string OriginalOf(string name)
        {
            if (name.EndsWith(TemporarySuffix, StringComparison.OrdinalIgnoreCase)) return name.Substring(0, name.Length - TemporarySuffix.Length);
            int at = name.IndexOf(FieldChangeLock.Suffix, StringComparison.OrdinalIgnoreCase);
            return at > 0 ? name.Substring(0, at) : null;
        }

        /// <summary>True when some field change left a copy or a lock behind (one listing, no other call).</summary>
        public bool AnyInterrupted()
        {
            return entsso.Applications().Any(a => OriginalOf(a.Name) != null);
        }

        /// <summary>
        /// Finishes field changes a killed bridge left half-way (see the top of this file), each under its
        /// lock. Returns how many it left alone because a live owner holds them (still in progress).
        /// </summary>
        public int FinishInterrupted()
        {
            var apps = entsso.Applications();
            int inProgress = 0;
            foreach (var original in apps.Select(a => OriginalOf(a.Name)).Where(n => n != null).Distinct(StringComparer.OrdinalIgnoreCase).ToList())
            {
                var groupsFrom = apps.First(a => string.Equals(OriginalOf(a.Name), original, StringComparison.OrdinalIgnoreCase));
                string holder;
                using (var held = FieldChangeLock.TryAcquire(entsso, groupsFrom, original, out holder))
                {
                    if (held == null)
                    {
                        Log.Event("recovery-waits", "the field change of " + original + " is held by " + holder);
                        inProgress++;
                        continue;
                    }
                    FinishUnderLock(original, held);
                }
            }
            return inProgress;
        }

        /// <summary>Decides from what is stored now (read under the lock): finish from a complete copy, or drop an incomplete one.</summary>
        void FinishUnderLock(string original, FieldChangeLock held)
        {
            string temporary = original + TemporarySuffix;
            if (!entsso.ApplicationExists(temporary)) return;
            if (entsso.Identifiers(temporary).Contains(MarkerIdentifier) && !OriginalKept(original, temporary))
            {
                Log.Event("recovery", "finishing the interrupted field change of " + original + " from its complete copy");
                CompleteFromTemporary(original, temporary, held);
            }
            else
            {
                // A copy is deleted only by the lock's owner (one taken over as stale is no longer ours).
                if (!held.StillOwned(original)) throw TakenOver();
                Log.Event("recovery", "undoing the interrupted field change of " + original + " (its copy was incomplete, or the original was never deleted: the original is intact, with every value saved since)");
                entsso.DeleteApplication(temporary);
            }
        }

        /// <summary>
        /// True when the original was never deleted: it exists, is enabled (a recreated one is enabled only
        /// once all its fields exist) and still has another field list than the copy. Then the original is
        /// the truth (a save may have gone into it after the copy was made) and the change is undone;
        /// finishing it would replace those values with the copy's older ones.
        /// </summary>
        bool OriginalKept(string original, string temporary)
        {
            if (!entsso.ApplicationExists(original) || !entsso.Application(original).Enabled) return false;
            if (!entsso.Application(temporary).Enabled) entsso.SetEnabled(temporary, true);
            return Version(entsso.Fields(original)) != Version(entsso.Fields(temporary));
        }

        /// <param name="snapshot">What the copy was made from (a live change); null in a recovery, which never gets here with the original kept.</param>
        void CompleteFromTemporary(string name, string temporary, FieldChangeLock held, Dictionary<string, Dictionary<string, object>> snapshot = null)
        {
            // Checked again right before the only step that loses data if the copy is not what we think.
            if (!held.StillOwned(name) || !entsso.ApplicationExists(temporary) || !entsso.Identifiers(temporary).Contains(MarkerIdentifier)) throw TakenOver();
            // A save (by another window, machine or tool) since the snapshot would be lost with the original:
            // give up instead; the caller's FinishUnderLock then undoes the change (OriginalKept).
            if (snapshot != null && !Same(snapshot, ReadAll(name)))
            {
                Log.Event("field-change-undone", name + ": a configuration was saved while its fields were being changed");
                throw new BridgeError("ENTSSO_E_CONFLICT", "A configuration of this application was saved while its fields were being changed, so the field change was undone; no value was lost. Refresh, then change the fields again.");
            }
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
            // Other SSO servers would serve the old field list from their cache until it expires.
            try { entsso.PurgeCache(name); }
            catch (BridgeError e) { Log.Event("purge-cache-failed", name + ": " + e.SsoCode); }
        }

        static bool Same(Dictionary<string, Dictionary<string, object>> a, Dictionary<string, Dictionary<string, object>> b)
        {
            if (a.Count != b.Count) return false;
            foreach (var kv in a)
            {
                Dictionary<string, object> other;
                if (!b.TryGetValue(kv.Key, out other) || other.Count != kv.Value.Count) return false;
                foreach (var f in kv.Value)
                {
                    object v;
                    if (!other.TryGetValue(f.Key, out v) || Text(v) != Text(f.Value)) return false;
                }
            }
            return true;
        }

        static string Text(object v)
        {
            return v == null || v is DBNull ? "" : Convert.ToString(v, CultureInfo.InvariantCulture);
        }

        /// <summary>
        /// Refuses a save or delete of a configuration of <paramref name="application"/> while its fields are
        /// being changed (its lock or copy exists): the change would recreate the application from a copy
        /// made before the save. Called before the write (nothing written) and after it (a change that
        /// started meanwhile may have copied the values before the write: the caller is told to check).
        /// </summary>
        public static void RefuseWriteDuringChange(Entsso entsso, string application, bool written)
        {
            bool changing = entsso.ApplicationExists(application + TemporarySuffix) || (!written && entsso.ApplicationExists(application + FieldChangeLock.Suffix));
            if (!changing) return;
            if (!written)
                // Busy, not a conflict: the extension answers a conflict with "changed by someone else; compare and merge".
                throw new BridgeError("ENTSSO_E_BUSY", "The fields of this application are being changed (or a field change was interrupted and is finished first), so nothing was saved. Save again when it is done.");
            throw new BridgeError("ENTSSO_E_CONFLICT", "The fields of this application started being changed while you saved, so your change may not be kept. Reopen the configuration to check, then save again if needed.");
        }

        static BridgeError TakenOver()
        {
            return new BridgeError("ENTSSO_E_CONFLICT", "Another Enterprise SSO client took over this field change; nothing was deleted. Refresh, then try again.");
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
                entsso.WriteConfigRetrying(application, kv.Key, Project(kv.Value, fields));
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
