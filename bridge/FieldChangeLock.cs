// The lock that makes one actor at a time touch an application's field change (FieldChanges.cs):
// its original, "<name>~entsso-bridge-tmp" and the marker. The bridge runs per VS Code window, per
// machine and per admin, so the lock lives in ENTSSO itself: an application
// "<name>~entsso-bridge-lock" whose description names its owner (machine, process id, process start
// time) and a heartbeat time. CreateApplication of a name that exists fails, and SSODB keys
// applications by name, so only one creator wins [inference: the unique key; the stand-in's create
// checks and adds under one state-file lock].
// A lock is stale when its owner is a process of this machine that is gone, or when its heartbeat is
// older than StaleAfter. A stale lock is never deleted to take it over (two takers could delete each
// other's fresh lock): it is superseded by creating the next generation "<lock>-<n+1>", again one
// atomic create with a single winner. The owner is the holder of the highest generation.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.EnterpriseSingleSignOn.Interop;

namespace EntssoBridge
{
    public sealed class FieldChangeLock : IDisposable
    {
        public const string Suffix = "~entsso-bridge-lock";
        /// <summary>Heartbeat period while a lock is held (30 s; a test build reads ENTSSO_BRIDGE_LOCK_HEARTBEAT_MS).</summary>
        public static readonly TimeSpan HeartbeatEvery = HeartbeatPeriod();
        /// <summary>
        /// A heartbeat older than this marks the owner gone: 5 minutes for clock skew between machines
        /// (a Windows domain keeps clocks within Kerberos' default 5-minute tolerance) plus 5 minutes
        /// (ten missed heartbeats, room for a heartbeat call stuck in an RPC timeout of ~21 s).
        /// </summary>
        public static readonly TimeSpan StaleAfter = StalePeriod();

        static readonly string Me = Owner.Describe(Environment.MachineName, Process.GetCurrentProcess().Id, ProcessStart(Process.GetCurrentProcess()));

        readonly Entsso entsso;
        readonly AppRecord record;
        readonly string application;
        readonly Timer heartbeat;
        readonly object gate = new object();
        /// <summary>Since the last heartbeat this process wrote (monotonic: a paused VM or a changed wall clock cannot fool it).</summary>
        readonly Stopwatch sinceBeat = Stopwatch.StartNew();
        bool released;
        /// <summary>Set once this process knows another took the lock over: every later step stops (Confirm).</summary>
        volatile bool lost;

        FieldChangeLock(Entsso entsso, AppRecord record, string application)
        {
            this.entsso = entsso;
            this.record = record;
            this.application = application;
            heartbeat = new Timer(_ => Beat(), null, HeartbeatEvery, HeartbeatEvery);
        }

        public string Name { get { return record.Name; } }

        public static bool IsLock(string name)
        {
            return name.IndexOf(Suffix, StringComparison.OrdinalIgnoreCase) >= 0;
        }

        /// <summary>
        /// Takes the lock of <paramref name="application"/>: a new one, one this process holds already,
        /// or by superseding a stale one. Null when a live owner holds it (<paramref name="holder"/> says who).
        /// </summary>
        public static FieldChangeLock TryAcquire(Entsso entsso, AppRecord groupsFrom, string application, out string holder)
        {
            holder = null;
            for (int attempt = 0; attempt < 3; attempt++)
            {
                var current = Generations(entsso, application).LastOrDefault();
                int next = 0;
                if (current != null)
                {
                    AppRecord info;
                    try { info = entsso.Application(current.Item2); }
                    catch (BridgeError e) { if (e.HResult32 == HResults.NoSuchApplication) continue; throw; }
                    var owner = Owner.Parse(info.Description);
                    if (owner != null && owner.Id == Me) return Reused(entsso, info, application);
                    if (owner != null && !owner.IsStale(DateTime.UtcNow))
                    {
                        holder = owner.Holder();
                        return null;
                    }
                    // An unreadable description is logged by name only (its text is anyone's, of any size).
                    Log.Event("lock-stale", current.Item2 + " (" + (owner == null ? "no bridge owner in its description" : owner.ToString()) + ")");
                    next = current.Item1 + 1;
                }
                var mine = Record(groupsFrom, NameOf(application, next));
                try
                {
                    entsso.CreateApplication(mine, new[] { new FieldRecord { Label = "owner" } });
                }
                catch (BridgeError)
                {
                    // Someone else created that generation first: look again.
                    if (entsso.ApplicationExists(mine.Name)) continue;
                    throw;
                }
                var taken = new FieldChangeLock(entsso, mine, application);
                taken.DeleteOlderGenerations(application, next);
                return taken;
            }
            holder = "another bridge";
            return null;
        }

        /// <summary>A lock this process left (its delete failed) keeps an old heartbeat: fresh now, or others judge it stale at once.</summary>
        static FieldChangeLock Reused(Entsso entsso, AppRecord info, string application)
        {
            var held = new FieldChangeLock(entsso, info, application);
            lock (held.gate) held.Refresh(entsso);
            return held;
        }

        /// <summary>True while this process's lock is still the newest generation and still names this process.</summary>
        public bool StillOwned(string application)
        {
            if (lost) return false;
            if (Owns(entsso, application, record.Name)) return true;
            lost = true;
            return false;
        }

        /// <summary>
        /// Right before a step that deletes (the original, the copy): throws unless this process still owns the
        /// lock. An owner paused past the stale limit (a VM snapshot, a sleeping laptop) may have been superseded;
        /// the new owner is then working on the same copy, and a delete by the old one would lose it.
        /// </summary>
        public void ConfirmBeforeDeleting()
        {
            if (!StillOwned(application)) throw TakenOver();
        }

        /// <summary>
        /// Between the steps of a copy (no ENTSSO call while the heartbeat is fresh): throws once the heartbeat found
        /// the lock taken over, and asks ENTSSO when this process's own last heartbeat is older than half the stale
        /// limit (its heartbeats fail, or it was paused): then another may judge it stale at any moment.
        /// </summary>
        public void Confirm()
        {
            if (lost) throw TakenOver();
            if (sinceBeat.Elapsed.Ticks < StaleAfter.Ticks / 2) return;
            if (!StillOwned(application)) throw TakenOver();
            // Owned, as just read: a fresh heartbeat keeps others from judging it stale; if writing it fails, the next step asks again.
            lock (gate)
            {
                try { if (!released) Refresh(entsso); }
                catch (BridgeError e) { Log.Event("lock-heartbeat-failed", record.Name + ": " + e.SsoCode); }
            }
        }

        public static BridgeError TakenOver()
        {
            return new BridgeError("ENTSSO_E_CONFLICT", "Another Enterprise SSO client took over this field change (this one was silent too long) and finishes or undoes it. Refresh, then check the fields.");
        }

        static bool Owns(Entsso entsso, string application, string lockName)
        {
            var newest = Generations(entsso, application).LastOrDefault();
            if (newest == null || !string.Equals(newest.Item2, lockName, StringComparison.OrdinalIgnoreCase)) return false;
            try
            {
                var owner = Owner.Parse(entsso.Application(lockName).Description);
                return owner != null && owner.Id == Me;
            }
            catch (BridgeError e) { if (e.HResult32 == HResults.NoSuchApplication) return false; throw; }
        }

        public void Dispose()
        {
            lock (gate)
            {
                if (released) return;
                released = true;
                heartbeat.Dispose();
            }
            // Names are reused (generation 0 once every lock is gone): delete only a lock still ours, never a later owner's.
            // ENTSSO has no conditional delete, so this narrows the window rather than closing it.
            try
            {
                if (lost) return;
                var owner = Owner.Parse(entsso.Application(record.Name).Description);
                if (owner != null && owner.Id == Me) entsso.DeleteApplication(record.Name);
                else Log.Event("lock-not-ours", record.Name);
            }
            catch (BridgeError e) { if (e.HResult32 != HResults.NoSuchApplication) Log.Event("lock-release-failed", record.Name + ": " + e.SsoCode); }
        }

        void Beat()
        {
            lock (gate)
            {
                if (released || lost) return;
                // A thread of its own: a new Entsso (COM objects are not shared across threads).
                var own = new Entsso(() => "");
                try
                {
                    // A superseded owner stops: the copy loops and every delete check the flag (Confirm).
                    if (!Owns(own, application, record.Name))
                    {
                        lost = true;
                        Log.Event("lock-lost", record.Name);
                        return;
                    }
                    Refresh(own);
                }
                catch (BridgeError e) { Log.Event("lock-heartbeat-failed", record.Name + ": " + e.SsoCode); }
            }
        }

        /// <summary>Writes a fresh heartbeat; the caller holds the gate.</summary>
        void Refresh(Entsso through)
        {
            record.Description = Owner.Describe(Me, DateTime.UtcNow);
            through.UpdateDescription(record);
            sinceBeat.Restart();
        }

        /// <summary>
        /// Deletes the generations below the one just taken, but only those a bridge made (their description parses
        /// as a lock): an application of another tool that happens to have a lock's name is left alone.
        /// </summary>
        void DeleteOlderGenerations(string application, int newest)
        {
            foreach (var g in Generations(entsso, application).Where(g => g.Item1 < newest))
            {
                try
                {
                    if (Owner.Parse(entsso.Application(g.Item2).Description) == null)
                    {
                        Log.Event("lock-foreign-kept", g.Item2);
                        continue;
                    }
                    entsso.DeleteApplication(g.Item2);
                }
                catch (BridgeError e) { if (e.HResult32 != HResults.NoSuchApplication) throw; }
            }
        }

        static AppRecord Record(AppRecord groupsFrom, string name)
        {
            return new AppRecord
            {
                Name = name, Description = Owner.Describe(Me, DateTime.UtcNow), Contact = groupsFrom.Contact,
                // The original's groups: ENTSSO checks that they exist, and they do.
                UserGroup = groupsFrom.UserGroup, AdminGroup = groupsFrom.AdminGroup,
                // Config-store kind, so that a listing filtered to config-store applications shows it.
                Flags = SSOFlag.SSO_FLAG_APP_CONFIG_STORE,
            };
        }

        static string NameOf(string application, int generation)
        {
            return application + Suffix + (generation == 0 ? "" : "-" + generation.ToString(CultureInfo.InvariantCulture));
        }

        /// <summary>The lock generations of <paramref name="application"/> that exist, oldest first.</summary>
        static List<Tuple<int, string>> Generations(Entsso entsso, string application)
        {
            var apps = entsso.Applications();
            if (!ListsConfigStore(apps)) return ProbedGenerations(entsso, application);
            var result = new List<Tuple<int, string>>();
            foreach (var a in apps)
            {
                int g = GenerationOf(a.Name, application);
                if (g >= 0) result.Add(Tuple.Create(g, a.Name));
            }
            return result.OrderBy(t => t.Item1).ToList();
        }

        /// <summary>The generation <paramref name="name"/> is of <paramref name="application"/>'s lock, or -1.</summary>
        public static int GenerationOf(string name, string application)
        {
            string prefix = application + Suffix;
            if (!name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return -1;
            string rest = name.Substring(prefix.Length);
            int g;
            if (rest.Length == 0) return 0;
            if (!rest.StartsWith("-", StringComparison.Ordinal) || !int.TryParse(rest.Substring(1), NumberStyles.None, CultureInfo.InvariantCulture, out g)) return -1;
            return g;
        }

        /// <summary>
        /// A listed lock of <paramref name="application"/> that a bridge made (its description parses; a live owner rewrites
        /// it at every heartbeat): an application of another tool with a lock's name does not block saves for ever.
        /// </summary>
        public static bool IsBridgeLockOf(AppRecord listed, string application)
        {
            return GenerationOf(listed.Name, application) >= 0 && Owner.Parse(listed.Description) != null;
        }

        /// <summary>
        /// False when the listing holds no config-store application at all: a hint that ENTSSO ignored the type
        /// filter (its mask's name is unverified, Entsso.ListEveryType), which would hide every lock and copy
        /// (both are config-store applications). Then they are asked for by name.
        /// </summary>
        public static bool ListsConfigStore(IEnumerable<AppRecord> apps)
        {
            return apps.Any(a => a.IsConfigStore);
        }

        /// <summary>
        /// Probing stops after this many missing generations in a row. Gaps are normal (superseding deletes older
        /// generations, a foreign one is kept): a gap this long needs 8 owners in a row that stopped past the stale limit.
        /// </summary>
        const int ProbedGap = 8;

        /// <summary>The generations found by ApplicationExists, one call per name (a listing that hides them cannot be used).</summary>
        public static List<Tuple<int, string>> ProbedGenerations(Entsso entsso, string application)
        {
            var result = new List<Tuple<int, string>>();
            for (int g = 0, missed = 0; g < 10000 && missed < ProbedGap; g++)
            {
                string name = NameOf(application, g);
                if (entsso.ApplicationExists(name)) { result.Add(Tuple.Create(g, name)); missed = 0; }
                else missed++;
            }
            return result;
        }

        /// <summary>Probe mode's IsBridgeLockOf: a probed generation a bridge made (another tool's lock-named application blocks no save).</summary>
        public static bool ProbedBridgeLock(Entsso entsso, string application)
        {
            foreach (var g in ProbedGenerations(entsso, application))
            {
                try { if (Owner.Parse(entsso.Application(g.Item2).Description) != null) return true; }
                catch (BridgeError e) { if (e.HResult32 != HResults.NoSuchApplication) throw; }
            }
            return false;
        }

        static TimeSpan HeartbeatPeriod()
        {
#if ENTSSO_TEST_HOOKS
            int ms;
            if (int.TryParse(Environment.GetEnvironmentVariable("ENTSSO_BRIDGE_LOCK_HEARTBEAT_MS"), out ms) && ms > 0) return TimeSpan.FromMilliseconds(ms);
#endif
            return TimeSpan.FromSeconds(30);
        }

        static TimeSpan StalePeriod()
        {
#if ENTSSO_TEST_HOOKS
            int ms;
            if (int.TryParse(Environment.GetEnvironmentVariable("ENTSSO_BRIDGE_LOCK_STALE_MS"), out ms) && ms > 0) return TimeSpan.FromMilliseconds(ms);
#endif
            return TimeSpan.FromMinutes(10);
        }

        static DateTime ProcessStart(Process p)
        {
            try { return p.StartTime.ToUniversalTime(); }
            catch (Exception) { return DateTime.MinValue; }
        }

        /// <summary>The owner written into a lock's description: "entsso-bridge lock; machine=…; pid=…; started=…; heartbeat=…".</summary>
        sealed class Owner
        {
            const string Format = "yyyy-MM-ddTHH:mm:ssZ";
            public string Machine, Id;
            public int Pid;
            public DateTime Started, Heartbeat;

            public static string Describe(string machine, int pid, DateTime started)
            {
                return "machine=" + machine + "; pid=" + pid.ToString(CultureInfo.InvariantCulture) + "; started=" + started.ToString(Format, CultureInfo.InvariantCulture);
            }

            public static string Describe(string id, DateTime heartbeat)
            {
                return "entsso-bridge field-change lock; " + id + "; heartbeat=" + heartbeat.ToString(Format, CultureInfo.InvariantCulture);
            }

            /// <summary>Longest description read as an owner (ours is ~150 characters); a longer one is not parsed at all.</summary>
            const int MaxDescription = 1024;

            /// <summary>
            /// The owner a bridge wrote, or null for any other text. The description can be set by any SSO
            /// administrator or tool, so nothing in it may throw: a repeated key makes it null (a bridge never
            /// writes one), and the caller judges such a lock stale, because no live bridge keeps it fresh:
            /// a live owner rewrites its own description at every heartbeat, and one whose lock was
            /// superseded stops at its next StillOwned check, so there is still one owner.
            /// </summary>
            public static Owner Parse(string description)
            {
                if (description == null || description.Length > MaxDescription) return null;
                var parts = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var part in description.Split(';').Select(s => s.Trim()))
                {
                    int at = part.IndexOf('=');
                    if (at <= 0) continue;
                    string key = part.Substring(0, at);
                    if (parts.ContainsKey(key)) return null;
                    parts[key] = part.Substring(at + 1);
                }
                string machine, pid, started, beat;
                int p; DateTime s1, h;
                if (!parts.TryGetValue("machine", out machine) || !parts.TryGetValue("pid", out pid) || !parts.TryGetValue("started", out started) || !parts.TryGetValue("heartbeat", out beat)) return null;
                if (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out p)) return null;
                var style = DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal;
                if (!DateTime.TryParseExact(started, Format, CultureInfo.InvariantCulture, style, out s1)) return null;
                if (!DateTime.TryParseExact(beat, Format, CultureInfo.InvariantCulture, style, out h)) return null;
                return new Owner { Machine = machine, Pid = p, Started = s1, Heartbeat = h, Id = Describe(machine, p, s1) };
            }

            public bool IsStale(DateTime now)
            {
                if (string.Equals(Machine, Environment.MachineName, StringComparison.OrdinalIgnoreCase) && Gone()) return true;
                return now - Heartbeat > StaleAfter;
            }

            /// <summary>
            /// The owner process is known to be gone from this machine: no process with its id, or one
            /// started at another time (ids are reused). When that cannot be told (another admin's process
            /// on a shared server may refuse to show its start time), it is not called gone: the heartbeat decides.
            /// </summary>
            bool Gone()
            {
                Process p;
                try { p = Process.GetProcessById(Pid); }
                catch (ArgumentException) { return true; }
                using (p)
                {
                    try
                    {
                        if (p.HasExited) return true;
                        return Math.Abs((p.StartTime.ToUniversalTime() - Started).TotalSeconds) >= 2;
                    }
                    catch (Exception) { return false; }
                }
            }

            public override string ToString()
            {
                return Id + ", heartbeat " + Heartbeat.ToString(Format, CultureInfo.InvariantCulture);
            }

            /// <summary>Who holds the lock, and when a lock left by a client that stopped can be taken over (from its last heartbeat).</summary>
            public string Holder()
            {
                var possible = Heartbeat + StaleAfter;
                return ToString() + "; if that client stopped, this is possible again from " + possible.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)
                    + " UTC, " + (int)Math.Round(StaleAfter.TotalMinutes) + " minutes after its last heartbeat";
            }
        }
    }
}
