// Polls this machine's SSO service and the master secret server (GetGlobalInfo for the MSS's
// name, GetServerStatus against each) and pushes a `state` notification whenever the state
// changes: ready, cached (MSS unreachable, the local service still decrypts from its cache),
// no-secret, reencrypting, ssodb-unreachable (this machine's SSO service not reachable).
// Only the poll thread polls: requests take the last polled state (Current). An RPC to a server
// that is down takes about 21 s on Windows (TCP connect retries), so a request that polled would
// hold every request queued behind it, and a hello could outlast the extension's 60 s.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace EntssoBridge
{
    public sealed class StateMonitor
    {
        static readonly TimeSpan ReencryptHold = TimeSpan.FromSeconds(60);
        /// <summary>
        /// How long the bridge waits for its first poll, once per process (at start, or the first request
        /// that needs the state). A poll answers in milliseconds while ENTSSO's servers answer; one that
        /// takes longer is waiting on a server that is down (~21 s per RPC), so after 10 s the bridge goes on
        /// with a provisional state, leaving the hello most of the extension's 60 s.
        /// </summary>
        public const int FirstPollWaitMs = 10000;
        readonly int pollMs;
        readonly ManualResetEvent firstPollDone = new ManualResetEvent(false);
        int firstWaitSpent;
        // Pushes forced after a provisional state was served: the first poll's push may reach stdout before
        // the reply that carried the provisional state, so the next poll pushes its state again.
        int forcedPushes;
        readonly Action<Dictionary<string, object>> push;
        readonly object gate = new object();
        readonly ManualResetEvent stopping = new ManualResetEvent(false);
        Thread thread;
        string mssName = "";
        string lastKey;
        Dictionary<string, object> current;
        DateTime? unreachableSince, lastSyncAt;
        bool noSecretSeen, polledLocalUp, polledMssUp;
        DateTime? reencryptSeenAt, writeRefusedAt;
        /// <summary>The type of what the polls keep throwing (not a BridgeError: a bug, an interop surprise), or null.</summary>
        string pollFailure;
        int failedPolls;
        /// <summary>Failed polls in a row after which a state that was known is replaced by "checks fail" (at once when none was known).</summary>
        const int FailedPollsShown = 3;
        /// <summary>How many polls a write refused for want of the master secret holds "cached" when no poll can tell (60 s at the default 5 s).</summary>
        const int WriteRefusalPolls = 12;

        public StateMonitor(int pollMs, Action<Dictionary<string, object>> push)
        {
            this.pollMs = pollMs;
            this.push = push;
        }

        public string MssName { get { lock (gate) return mssName; } }
        public int PollMs { get { return pollMs; } }

        /// <summary>Starts the poll thread; its first poll runs at once, and stdin is read meanwhile.</summary>
        public void Start()
        {
            thread = new Thread(Loop) { IsBackground = true, Name = "state-monitor" };
            thread.Start();
        }

        /// <summary>Waits for the first poll, at most FirstPollWaitMs, and only the first time it is asked; true when it has ended.</summary>
        public bool WaitForFirstPoll()
        {
            if (Interlocked.Exchange(ref firstWaitSpent, 1) == 0) return firstPollDone.WaitOne(FirstPollWaitMs);
            return firstPollDone.WaitOne(0);
        }

        public void Stop()
        {
            stopping.Set();
        }

        void Loop()
        {
            do
            {
                try
                {
#if ENTSSO_TEST_HOOKS
                    if (Environment.GetEnvironmentVariable("ENTSSO_BRIDGE_POLL_FAULT") == "1") throw new InvalidCastException("test hook");
#endif
                    Refresh();
                }
                catch (Exception e)
                {
                    Log.Event("state-poll-error", e.GetType().FullName);
                    PollFailed(e);
                }
                firstPollDone.Set();
            }
            while (!stopping.WaitOne(pollMs));
        }

        /// <summary>
        /// Without this, a poll that always throws left no state at all: every request got the provisional "Still
        /// checking" state for ever, and field changes were refused with it. Now the state says that checks fail.
        /// </summary>
        void PollFailed(Exception e)
        {
            lock (gate)
            {
                failedPolls++;
                if (current != null && failedPolls < FailedPollsShown) return;
                pollFailure = e.GetType().Name;
                Publish();
            }
        }

        /// <summary>The last polled state, without calling ENTSSO; before the first poll ends, a provisional one that blocks changes.</summary>
        public Dictionary<string, object> Current
        {
            get
            {
                WaitForFirstPoll();
                lock (gate)
                {
                    if (current != null) return current;
                    forcedPushes = 2;
                    return State("cached", mssName, "Still checking Enterprise SSO: " + (string.IsNullOrEmpty(mssName) ? "this machine's SSO service or the master secret server" : "this machine's SSO service or the master secret server " + mssName)
                        + " has not answered within " + FirstPollWaitMs / 1000 + " s. Configurations can be read; changes wait until it answers.", false);
                }
            }
        }

        /// <summary>What an operation learnt from ENTSSO that polling cannot see (no cached secret, a write refused for want of the master secret, re-encryption).</summary>
        public void Observe(BridgeError e, bool duringRead)
        {
            uint? hr = e.HResult32;
            if (hr == null) return;
            lock (gate)
            {
                bool noSecret = hr == HResults.NoSecret || hr == HResults.NoSecretForWrite;
                // Writes fail for want of the MSS while reads still work (cached); a failing read means no secret at all.
                if (duringRead && noSecret) noSecretSeen = true;
                // A poll cannot tell this when the MSS's name cannot be read (not an SSO administrator): ENTSSO's refusal can.
                if (!duringRead && noSecret) writeRefusedAt = DateTime.UtcNow;
                if (hr == HResults.Reencrypting) reencryptSeenAt = DateTime.UtcNow;
                if (current != null) Publish();
            }
        }

        /// <summary>A runtime read worked: the local service holds a secret.</summary>
        public void ObserveDecrypted()
        {
            lock (gate) noSecretSeen = false;
        }

        /// <summary>A write worked: ENTSSO could encrypt, whatever an earlier refusal said.</summary>
        public void ObserveEncrypted()
        {
            lock (gate)
            {
                if (writeRefusedAt == null) return;
                writeRefusedAt = null;
                if (current != null) Publish();
            }
        }

        /// <summary>Polls on the caller's thread, for as long as ENTSSO's RPCs take: the poll thread's job; requests read Current.</summary>
        public Dictionary<string, object> Refresh()
        {
            var entsso = new Entsso(() => MssName);
            bool localUp = false, mssUp = false, mssAnswered = false;
            string name = MssName;
            try
            {
                entsso.Status(null);
                localUp = true;
            }
            catch (BridgeError) { }
            if (localUp)
            {
                try { name = entsso.SecretServerName() ?? ""; }
                catch (BridgeError) { /* not an SSO administrator: GetGlobalInfo refused; the last known name stays */ }
                if (string.IsNullOrEmpty(name))
                {
                    // Which server is the MSS is unknown to this account: do not block edits on a guess;
                    // ENTSSO's own refusal (0xC0002A1F) tells when a write really cannot be encrypted (Observe).
                    mssUp = true;
                }
                else
                {
                    try { mssUp = (entsso.Status(name).Flags & ServerStatus.SecretServerRunning) != 0; mssAnswered = true; }
                    catch (BridgeError) { }
                }
            }
            lock (gate)
            {
                failedPolls = 0;
                pollFailure = null;
                mssName = name;
                polledLocalUp = localUp;
                polledMssUp = mssUp;
                var now = DateTime.UtcNow;
                if (mssUp) { unreachableSince = null; noSecretSeen = false; }
                else if (unreachableSince == null) unreachableSince = now;
                if (mssAnswered && mssUp) { lastSyncAt = now; writeRefusedAt = null; }
                if (reencryptSeenAt != null && now - reencryptSeenAt.Value > ReencryptHold) reencryptSeenAt = null;
                // Nothing tells an account that cannot read the MSS's name when it is back, and "cached" makes documents
                // read-only (no write can tell either): the refusal holds for a while, then a change may be retried.
                if (writeRefusedAt != null && now - writeRefusedAt.Value > TimeSpan.FromMilliseconds((double)pollMs * WriteRefusalPolls)) writeRefusedAt = null;
                return Publish();
            }
        }

        /// <summary>The state from what the last poll found and what requests observed; pushed when it changed. The caller holds the gate.</summary>
        Dictionary<string, object> Publish()
        {
            string name = mssName;
            string stateName, message;
            string server = string.IsNullOrEmpty(name) ? "the master secret server" : "the master secret server " + name;
            if (pollFailure != null)
            {
                // Reads go on (ENTSSO itself may be fine); changes wait, as with the provisional state.
                stateName = "cached";
                message = "entsso-bridge cannot check the state of Enterprise SSO: every check fails (" + pollFailure + "). Configurations can be read; changes wait until a check works. Run \"entsso-bridge.exe --self-check\" (in the extension's dist folder) to see which call fails.";
            }
            else if (!polledLocalUp)
            {
                stateName = "ssodb-unreachable";
                message = "The Enterprise Single Sign-On service on this machine is not reachable. Start the \"Enterprise Single Sign-On Service\" (services.msc), then wait a few seconds.";
            }
            else if (!polledMssUp && noSecretSeen)
            {
                stateName = "no-secret";
                message = Sentence(server) + " is not reachable and this machine's SSO service holds no master secret: nothing can be read or changed. Start the Enterprise Single Sign-On service on " + server + ".";
            }
            else if (!polledMssUp)
            {
                stateName = "cached";
                message = Sentence(server) + " is not reachable. Configurations can still be read (this machine's SSO service has the secret cached) but not changed. Start the Enterprise Single Sign-On service on " + server + " to edit again.";
            }
            else if (writeRefusedAt != null)
            {
                stateName = "cached";
                message = string.IsNullOrEmpty(name)
                    ? "A change was refused: the master secret server did not give the master secret to encrypt it. Configurations can still be read but not changed. Which server that is cannot be read with your account (it takes SSO Administrators), so changes are allowed again " + WriteRefusalPolls * pollMs / 1000 + " s after the refusal, to retry. Ask an SSO administrator to check the Enterprise Single Sign-On service on the master secret server."
                    : "A change was refused: " + server + " did not give the master secret to encrypt it. Configurations can still be read but not changed until it answers again. Check the Enterprise Single Sign-On service on " + server + ".";
            }
            else if (reencryptSeenAt != null)
            {
                stateName = "reencrypting";
                message = "ENTSSO is re-encrypting the SSO database under a new master secret. Changes wait until it finishes.";
            }
            else
            {
                stateName = "ready";
                message = string.IsNullOrEmpty(name)
                    ? "Connected to this machine's Enterprise SSO. Which server is the master secret server cannot be read with your account (it takes SSO Administrators), so its reachability is not shown."
                    : "Connected to this machine's Enterprise SSO; the master secret server is " + name + ".";
            }
            var state = State(stateName, name, message, polledLocalUp);
            if (writeRefusedAt != null && polledMssUp && !state.ContainsKey("unreachableSince")) state["unreachableSince"] = Iso(writeRefusedAt.Value);
            current = state;
            string key = stateName + "|" + name + "|" + state["canEncrypt"] + "|" + state["canDecrypt"];
            bool forced = forcedPushes > 0;
            if (forced) forcedPushes--;
            if (key == lastKey && !forced) return state;
            lastKey = key;
            Log.Event("state", stateName + " (mss " + (string.IsNullOrEmpty(name) ? "unknown" : name) + ")");
            // Pushed under the lock so that two refreshes (poll thread, a request's observation) cannot push out of order.
            push(state);
            return state;
        }

        static string Sentence(string text) { return char.ToUpperInvariant(text[0]) + text.Substring(1); }

        /// <summary>A state as the protocol carries it (ServiceState); the caller holds the gate.</summary>
        Dictionary<string, object> State(string stateName, string name, string message, bool localUp)
        {
            var state = new Dictionary<string, object>
            {
                { "state", stateName },
                { "mssName", name },
                { "canEncrypt", stateName == "ready" },
                { "canDecrypt", stateName == "ready" || stateName == "cached" || stateName == "reencrypting" },
                { "message", message },
                { "syncIntervalMs", pollMs },
            };
            if (lastSyncAt != null) state["lastSyncAt"] = Iso(lastSyncAt.Value);
            if (unreachableSince != null && localUp) state["unreachableSince"] = Iso(unreachableSince.Value);
            return state;
        }

        static string Iso(DateTime t) { return t.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture); }
    }
}
