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
                    CopyInto(temporary, configs, next, "temp-copy", held);
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

        /// <summary>
        /// True when some field change left a copy or a lock behind: one listing, and only when the listing hides
        /// config-store applications (FieldChangeLock.ListsConfigStore), a look by name for the applications whose
        /// save found a copy (Suspect).
        /// </summary>
        public bool AnyInterrupted()
        {
            var apps = entsso.Applications();
            if (apps.Any(a => OriginalOf(a.Name) != null)) return true;
            return !FieldChangeLock.ListsConfigStore(apps) && SuspectedLeftovers().Count > 0;
        }

        /// <summary>Applications whose save found a copy or lock while the listing hides them (at most 64, the last ones).</summary>
        static readonly List<string> suspected = new List<string>();

        static void Suspect(string application)
        {
            lock (suspected)
            {
                if (suspected.Contains(application, StringComparer.OrdinalIgnoreCase)) return;
                suspected.Add(application);
                if (suspected.Count > 64) suspected.RemoveAt(0);
            }
        }

        /// <summary>The copy or the lock of each suspected application that still exists (looked up by name); the others are forgotten.</summary>
        List<AppRecord> SuspectedLeftovers()
        {
            List<string> names;
            lock (suspected) names = suspected.ToList();
            var found = new List<AppRecord>();
            foreach (var name in names)
            {
                var leftover = entsso.ApplicationExists(name + TemporarySuffix) ? entsso.Application(name + TemporarySuffix)
                    : FieldChangeLock.ProbedGenerations(entsso, name).Select(g => entsso.Application(g.Item2)).LastOrDefault();
                if (leftover != null) found.Add(leftover);
                else lock (suspected) suspected.RemoveAll(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
            }
            return found;
        }

        /// <summary>
        /// Finishes field changes a killed bridge left half-way (see the top of this file), each under its
        /// lock. Returns how many it left alone because a live owner holds them (still in progress).
        /// </summary>
        public int FinishInterrupted()
        {
            var apps = entsso.Applications();
            if (!FieldChangeLock.ListsConfigStore(apps)) apps.AddRange(SuspectedLeftovers());
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
            var found = entsso.Identifiers(temporary).Contains(MarkerIdentifier) ? Compare(original, temporary) : OriginalIs.Kept;
            if (found == OriginalIs.Gone)
            {
                Log.Event("recovery", "finishing the interrupted field change of " + original + " from its complete copy");
                CompleteFromTemporary(original, temporary, held);
            }
            else if (found == OriginalIs.Rebuilt)
            {
                Log.Event("recovery", "finishing the interrupted field change of " + original + ": already rebuilt with the new fields; copying in what it lacks");
                FillFromTemporary(original, temporary, held);
            }
            else
            {
                // A copy is deleted only by the lock's owner (one taken over as stale is no longer ours).
                held.ConfirmBeforeDeleting();
                Log.Event("recovery", "undoing the interrupted field change of " + original + " (its copy was incomplete, or the original was never deleted: the original is intact, with every value saved since)");
                entsso.DeleteApplication(temporary);
            }
        }

        enum OriginalIs { Gone, Kept, Rebuilt }

        /// <summary>
        /// What became of the original of a complete copy. Kept: it was never deleted (enabled, a recreated one is
        /// enabled only once all its fields exist, and another field list than the copy): it is the truth (a save
        /// may have gone into it after the copy was made), so the change is undone; finishing it would replace
        /// those values with the copy's older ones. Rebuilt: enabled with the copy's field list, so the change had
        /// recreated it (its values possibly saved to since): it is never deleted. Gone: missing, or half-made.
        /// </summary>
        OriginalIs Compare(string original, string temporary)
        {
            if (!entsso.ApplicationExists(original) || !entsso.Application(original).Enabled) return OriginalIs.Gone;
            if (!entsso.Application(temporary).Enabled) entsso.SetEnabled(temporary, true);
            return Version(entsso.Fields(original)) != Version(entsso.Fields(temporary)) ? OriginalIs.Kept : OriginalIs.Rebuilt;
        }

        /// <summary>Copies into a rebuilt original the configurations it lacks (a change stopped half-way through copying back), then deletes the copy.</summary>
        void FillFromTemporary(string original, string temporary, FieldChangeLock held)
        {
            var fields = entsso.Fields(temporary);
            var present = new HashSet<string>(entsso.Identifiers(original), StringComparer.Ordinal);
            foreach (var id in entsso.Identifiers(temporary).Where(id => id != MarkerIdentifier && !present.Contains(id)))
            {
                held.Confirm();
                entsso.WriteConfigRetrying(original, id, Project(entsso.ReadConfig(temporary, id, true), fields));
            }
            held.ConfirmBeforeDeleting();
            entsso.DeleteApplication(temporary);
            try { entsso.PurgeCache(original); }
            catch (BridgeError e) { Log.Event("purge-cache-failed", original + ": " + e.SsoCode); }
        }

        /// <param name="snapshot">What the copy was made from (a live change); null in a recovery, which gets here only when the original is gone or half-made (Compare).</param>
        void CompleteFromTemporary(string name, string temporary, FieldChangeLock held, Dictionary<string, Dictionary<string, object>> snapshot = null)
        {
            // Checked again right before the only step that loses data if the copy is not what we think.
            if (!held.StillOwned(name) || !entsso.ApplicationExists(temporary) || !entsso.Identifiers(temporary).Contains(MarkerIdentifier)) throw FieldChangeLock.TakenOver();
            // A save (by another window, machine or tool) since the snapshot would be lost with the original:
            // give up instead; the caller's FinishUnderLock then undoes the change (Compare: Kept).
            if (snapshot != null && !Same(snapshot, ReadAll(name)))
            {
                Log.Event("field-change-undone", name + ": a configuration was saved while its fields were being changed");
                throw new BridgeError("ENTSSO_E_CONFLICT", "A configuration of this application was saved while its fields were being changed, so the field change was undone; no value was lost. Refresh, then change the fields again.");
            }
            // Reading the snapshot back can take long (one call per configuration): ownership is asked again right before.
            held.ConfirmBeforeDeleting();
            if (entsso.ApplicationExists(name)) entsso.DeleteApplication(name);
            CrashPoint.Reach("old-deleted");
            var source = entsso.Application(temporary);
            if (!source.Enabled) entsso.SetEnabled(temporary, true);
            var fields = entsso.Fields(temporary);
            var configs = ReadAll(temporary);
            configs.Remove(MarkerIdentifier);
            CreateEnabled(source, name, fields);
            CrashPoint.Reach("new-created");
            CopyInto(name, configs, fields, "new-copy", held);
            CrashPoint.Reach("new-complete");
            // A new owner that took over meanwhile reads this copy: only the owner deletes it.
            held.ConfirmBeforeDeleting();
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
            if (!Changing(entsso, application, written)) return;
            if (!written)
                // Busy, not a conflict: the extension answers a conflict with "changed by someone else; compare and merge".
                throw new BridgeError("ENTSSO_E_BUSY", "The fields of this application are being changed (or a field change was interrupted and is finished first), so nothing was saved. Save again when it is done.");
            throw new BridgeError("ENTSSO_E_CONFLICT", "The fields of this application started being changed while you saved, so your change may not be kept. Reopen the configuration to check, then save again if needed.");
        }

        /// <summary>
        /// Whether a copy (or, before the write, a lock of any generation) of <paramref name="application"/> exists.
        /// One listing, which succeeds: on real ENTSSO each ApplicationExists of a missing application is a failed
        /// COM call (0xC0002A04) that the SSO service may write to the event log as an audit warning, so asking by
        /// name at every save is event-log noise on a BizTalk server. By name only when the listing hides
        /// config-store applications (FieldChangeLock.ListsConfigStore); such a find is remembered for recovery.
        /// </summary>
        static bool Changing(Entsso entsso, string application, bool written)
        {
            var apps = entsso.Applications();
            if (FieldChangeLock.ListsConfigStore(apps))
                return apps.Any(a => string.Equals(a.Name, application + TemporarySuffix, StringComparison.OrdinalIgnoreCase) || (!written && FieldChangeLock.IsBridgeLockOf(a, application)));
            bool changing = entsso.ApplicationExists(application + TemporarySuffix) || (!written && FieldChangeLock.ProbedBridgeLock(entsso, application));
            if (changing) Suspect(application);
            return changing;
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

        void CopyInto(string application, Dictionary<string, Dictionary<string, object>> configs, List<FieldRecord> fields, string crashPoint, FieldChangeLock held)
        {
            foreach (var kv in configs)
            {
                held.Confirm();
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
            Pause(step);
            if (Target == null || Target != step) return;
            Log.Event("crash-point", step);
            Process.GetCurrentProcess().Kill();
#endif
        }

#if ENTSSO_TEST_HOOKS
        static readonly string PauseTarget = Environment.GetEnvironmentVariable("ENTSSO_BRIDGE_PAUSE_AT");

        /// <summary>
        /// ENTSSO_BRIDGE_PAUSE_AT=&lt;step&gt;: waits at that step (once) until the file ENTSSO_BRIDGE_RESUME_FILE exists,
        /// at most 2 minutes, so that a test can SIGSTOP the bridge exactly there (an owner paused mid-change).
        /// </summary>
        static void Pause(string step)
        {
            string resume = Environment.GetEnvironmentVariable("ENTSSO_BRIDGE_RESUME_FILE");
            if (PauseTarget == null || PauseTarget != step || string.IsNullOrEmpty(resume)) return;
            Log.Event("pause-point", step);
            var waited = Stopwatch.StartNew();
            while (!System.IO.File.Exists(resume) && waited.Elapsed < TimeSpan.FromMinutes(2)) System.Threading.Thread.Sleep(20);
        }
#endif
    }
}
