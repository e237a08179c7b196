// Polls this machine's SSO service and the master secret server (GetGlobalInfo for the MSS's
// name, GetServerStatus against each) and pushes a `state` notification whenever the state
// changes: ready, cached (MSS unreachable, the local service still decrypts from its cache),
// no-secret, reencrypting, ssodb-unreachable (this machine's SSO service not reachable).
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace EntssoBridge
{
    public sealed class StateMonitor
    {
        static readonly TimeSpan ReencryptHold = TimeSpan.FromSeconds(60);
        readonly int pollMs;
        readonly Action<Dictionary<string, object>> push;
        readonly object gate = new object();
        readonly ManualResetEvent stopping = new ManualResetEvent(false);
        Thread thread;
        string mssName = "";
        string lastKey;
        Dictionary<string, object> current;
        DateTime? unreachableSince, lastSyncAt;
        bool noSecretSeen;
        DateTime? reencryptSeenAt;

        public StateMonitor(int pollMs, Action<Dictionary<string, object>> push)
        {
            this.pollMs = pollMs;
            this.push = push;
        }

        public string MssName { get { lock (gate) return mssName; } }
        public int PollMs { get { return pollMs; } }

        public void Start()
        {
            Refresh();
            thread = new Thread(Loop) { IsBackground = true, Name = "state-monitor" };
            thread.Start();
        }

        public void Stop()
        {
            stopping.Set();
        }

        void Loop()
        {
            while (!stopping.WaitOne(pollMs))
            {
                try { Refresh(); }
                catch (Exception e) { Log.Event("state-poll-error", e.GetType().FullName); }
            }
        }

        public Dictionary<string, object> Current
        {
            get
            {
                lock (gate) if (current != null) return current;
                return Refresh();
            }
        }

        /// <summary>What an operation learnt from ENTSSO that polling cannot see (no cached secret, re-encryption).</summary>
        public void Observe(BridgeError e, bool duringRead)
        {
            uint? hr = e.HResult32;
            if (hr == null) return;
            lock (gate)
            {
                // Writes fail for want of the MSS while reads still work (cached); a failing read means no secret at all.
                if (duringRead && (hr == HResults.NoSecret || hr == HResults.NoSecretForWrite)) noSecretSeen = true;
                if (hr == HResults.Reencrypting) reencryptSeenAt = DateTime.UtcNow;
            }
        }

        /// <summary>A runtime read worked: the local service holds a secret.</summary>
        public void ObserveDecrypted()
        {
            lock (gate) noSecretSeen = false;
        }

        public Dictionary<string, object> Refresh()
        {
            var entsso = new Entsso(() => MssName);
            string stateName;
            string message;
            bool localUp = false, mssUp = false;
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
                    // ENTSSO's own refusal (0xC0002A1F) tells when a write really cannot be encrypted.
                    mssUp = true;
                }
                else
                {
                    try { mssUp = (entsso.Status(name).Flags & ServerStatus.SecretServerRunning) != 0; }
                    catch (BridgeError) { }
                }
            }
            lock (gate)
            {
                mssName = name;
                var now = DateTime.UtcNow;
                if (mssUp) { lastSyncAt = now; unreachableSince = null; noSecretSeen = false; }
                else if (unreachableSince == null) unreachableSince = now;
                if (reencryptSeenAt != null && now - reencryptSeenAt.Value > ReencryptHold) reencryptSeenAt = null;
                string mss = string.IsNullOrEmpty(name) ? "the master secret server" : name;
                if (!localUp)
                {
                    stateName = "ssodb-unreachable";
                    message = "The Enterprise Single Sign-On service on this machine is not reachable. Start the \"Enterprise Single Sign-On Service\" (services.msc), then wait a few seconds.";
                }
                else if (!mssUp && noSecretSeen)
                {
                    stateName = "no-secret";
                    message = "The master secret server " + mss + " is not reachable and this machine's SSO service holds no master secret: nothing can be read or changed. Start the Enterprise Single Sign-On service on " + mss + ".";
                }
                else if (!mssUp)
                {
                    stateName = "cached";
                    message = "The master secret server " + mss + " is not reachable. Configurations can still be read (this machine's SSO service has the secret cached) but not changed. Start the Enterprise Single Sign-On service on " + mss + " to edit again.";
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
                        : "Connected to this machine's Enterprise SSO; the master secret server is " + mss + ".";
                }
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
                current = state;
                string key = stateName + "|" + name + "|" + state["canEncrypt"] + "|" + state["canDecrypt"];
                if (key == lastKey) return state;
                lastKey = key;
                Log.Event("state", stateName + " (mss " + mss + ")");
                // Pushed under the lock so that two refreshes (poll thread, a status request) cannot push out of order.
                push(state);
                return state;
            }
        }

        static string Iso(DateTime t) { return t.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture); }
    }
}
