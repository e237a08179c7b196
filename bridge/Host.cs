// The JSON-lines loop: one JSON-RPC 2.0 object per line on stdin, answers and `state`
// notifications on stdout (one writer lock), the log on stderr (events, never values).
// Requests run one at a time; the state monitor runs on its own thread, so a slow call never
// holds back a state push. Input is bounded: a line over MAX_FRAME_BYTES is answered with an
// error and skipped, bad JSON or too deep nesting too; nothing in a request stops the bridge.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using EntssoBridge.Json;

namespace EntssoBridge
{
    public sealed class Host
    {
        /// <summary>MAX_FRAME_BYTES of src/ssoClient/protocol.ts.</summary>
        public const int MaxFrameBytes = 4 * 1024 * 1024;
        public const int ProtocolVersion = 1;
        const int MaxIdLength = 256;

        readonly object outputLock = new object();
        readonly Stream stdout = Console.OpenStandardOutput();
        readonly StateMonitor monitor;
        readonly Operations operations;

        public Host(int pollMs)
        {
            monitor = new StateMonitor(pollMs, Notify);
            operations = new Operations(monitor);
        }

        public int Run()
        {
            Log.Event("start", "entsso-bridge " + Program.Version + ", interop from " + (InteropLocator.ExpectedPath ?? "(CommonProgramW6432 not set)"));
            Log.Event("interop", Entsso.InteropDescription());
            monitor.Start();
            // An interrupted field change is finished before the first request, once the first poll told
            // whether ENTSSO can encrypt. If that poll is still waiting on a server that is down, stdin is
            // read meanwhile and the first request other than hello/status does the recovery.
            if (monitor.WaitForFirstPoll()) RecoverAtStart();
            using (var stdin = Console.OpenStandardInput())
                ReadLines(stdin);
            monitor.Stop();
            Log.Event("stop", "stdin closed");
            return 0;
        }

        /// <summary>Start-up recovery never ends the bridge: it reads data anyone can write. Logged by type; retried at the next request.</summary>
        void RecoverAtStart()
        {
            try { operations.FinishInterruptedFieldChanges(); }
            catch (Exception e) { Log.Event("recovery-failed", e.GetType().Name); }
        }

        void ReadLines(Stream input)
        {
            var buffer = new byte[64 * 1024];
            var line = new MemoryStream();
            bool discarding = false;
            int n;
            while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
            {
                int start = 0;
                for (int i = 0; i < n; i++)
                {
                    if (buffer[i] != (byte)'\n') continue;
                    if (!discarding && line.Length + (i - start) <= MaxFrameBytes)
                    {
                        line.Write(buffer, start, i - start);
                        HandleLine(Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length));
                    }
                    else if (!discarding) RefuseOversized();
                    discarding = false;
                    line.SetLength(0);
                    start = i + 1;
                }
                if (discarding || start >= n) continue;
                if (line.Length + (n - start) > MaxFrameBytes)
                {
                    // Refused at once; the rest of that line is skipped, never buffered.
                    RefuseOversized();
                    discarding = true;
                    line.SetLength(0);
                }
                else line.Write(buffer, start, n - start);
            }
        }

        void RefuseOversized()
        {
            Log.Event("refused", "a request line over " + MaxFrameBytes + " bytes");
            Reply(null, null, Error(-32600, new BridgeError("ENTSSO_E_INVALID_REQUEST", "A message exceeded the " + MaxFrameBytes + "-byte limit.")));
        }

        void HandleLine(string text)
        {
            if (text.Trim().Length == 0) return;
            Dictionary<string, object> message;
            try
            {
                message = JsonText.Parse(text) as Dictionary<string, object>;
            }
            catch (JsonException e)
            {
                Reply(null, null, Error(-32700, new BridgeError("ENTSSO_E_INVALID_REQUEST", "The message is not valid JSON: " + e.Message)));
                return;
            }
            object id = null;
            if (message != null && message.ContainsKey("id") && (message["id"] is string || message["id"] is double)) id = message["id"];
            // An id is echoed in the answer: a longer one than any client uses could push the answer over the frame limit.
            if (id is string && ((string)id).Length > MaxIdLength) id = null;
            if (message == null || !Equals(message.ContainsKey("jsonrpc") ? message["jsonrpc"] : null, "2.0") || id == null)
            {
                Reply(id, null, Error(-32600, new BridgeError("ENTSSO_E_INVALID_REQUEST", "The message is not a JSON-RPC 2.0 request with an id.")));
                return;
            }
            string method = message.ContainsKey("method") ? message["method"] as string : null;
            if (method == null || !operations.Serves(method))
            {
                string shown = method == null ? "" : method.Length > 64 ? method.Substring(0, 64) : method;
                Reply(id, null, Error(-32601, new BridgeError("ENTSSO_E_INVALID_REQUEST", "Unknown method \"" + shown + "\" (entsso-bridge serves: " + string.Join(", ", operations.Capabilities) + ").")));
                return;
            }
            // A deadline the bridge cannot read must not silently become "no deadline".
            if (message.ContainsKey("notAfter") && !(message["notAfter"] is double))
            {
                Reply(id, null, Error(-32600, BridgeError.Invalid("\"notAfter\" must be a number (milliseconds since 1970, UTC): nothing was done.")));
                return;
            }
            if (Expired(message))
            {
                Log.Event("expired", method + " not started");
                // notStarted: the extension then says "Not saved" (not "may still be applied") for a save refused here.
                Reply(id, null, Error(1, new BridgeError("ENTSSO_E_TIMEOUT", "The extension stopped waiting before this could start: nothing was changed. Try again.", new Dictionary<string, object> { { "notStarted", true } })));
                return;
            }
            object parameters = message.ContainsKey("params") ? message["params"] : null;
            try
            {
                var p = parameters == null ? new Dictionary<string, object>() : JsonObject.Obj(parameters, "params");
                Reply(id, operations.Dispatch(method, p), null);
            }
            catch (BridgeError e)
            {
                Log.Event("refused", method + ": " + e.SsoCode + (e.Details.ContainsKey("hresult") ? " " + e.Details["hresult"] : ""));
                Reply(id, null, Error(1, e));
            }
            catch (JsonException e)
            {
                Reply(id, null, Error(1, BridgeError.Invalid("Invalid parameters for " + method + ": " + e.Message)));
            }
            catch (Exception e) when (HResults.IsInteropLoadFailure(e))
            {
                // Raised where the handler naming ENTSSO's types is compiled, outside its own translation.
                Reply(id, null, Error(1, HResults.Translate(e, null)));
            }
            catch (Exception e)
            {
                // The text of an unexpected exception may hold data: only its type is logged.
                Log.Event("internal-error", method + ": " + e.GetType().FullName);
                Reply(id, null, Error(1, new BridgeError("ENTSSO_E_INTERNAL", "entsso-bridge hit an unexpected error. See its log (SSO: Show Log), then try again.")));
            }
        }

        static readonly DateTime Epoch = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        /// <summary>
        /// Past the request's "notAfter" (ms since the epoch, the client's clock + its timeout): the client
        /// has given up on it, so starting it now would change what the user was told failed.
        /// </summary>
        static bool Expired(Dictionary<string, object> message)
        {
            object notAfter;
            if (!message.TryGetValue("notAfter", out notAfter) || !(notAfter is double)) return false;
            return (DateTime.UtcNow - Epoch).TotalMilliseconds > (double)notAfter;
        }

        static Dictionary<string, object> Error(int code, BridgeError e)
        {
            var data = new Dictionary<string, object> { { "ssoCode", e.SsoCode } };
            if (e.Details.Count > 0) data["details"] = e.Details;
            return new Dictionary<string, object> { { "code", code }, { "message", e.Message }, { "data", data } };
        }

        void Reply(object id, object result, Dictionary<string, object> error)
        {
            var response = new Dictionary<string, object> { { "jsonrpc", "2.0" }, { "id", id } };
            if (error != null) response["error"] = error;
            else response["result"] = result;
            byte[] bytes = Encode(response);
            if (bytes.Length - 1 > MaxFrameBytes)
            {
                // The extension closes a channel that sends a longer line, and would restart the bridge each time
                // this answer is asked for, never saying why: it gets an error it can show instead.
                Log.Event("refused", "an answer of " + bytes.Length + " bytes");
                response.Remove("result");
                response["error"] = Error(1, new BridgeError("ENTSSO_E_CONFIGURATION_TOO_LARGE",
                    "The answer (" + bytes.Length + " bytes) is over the 4 MiB limit of a message. Shorten the largest values with the tool that wrote them.",
                    new Dictionary<string, object> { { "bytes", bytes.Length }, { "limit", MaxFrameBytes } }));
                bytes = Encode(response);
            }
            WriteLine(bytes);
        }

        void Notify(Dictionary<string, object> state)
        {
            if (operations == null || !operations.Greeted) return;
            byte[] bytes = Encode(new Dictionary<string, object> { { "jsonrpc", "2.0" }, { "method", "state" }, { "params", state } });
            if (bytes.Length - 1 <= MaxFrameBytes) WriteLine(bytes);
        }

        static byte[] Encode(Dictionary<string, object> message)
        {
            return Encoding.UTF8.GetBytes(JsonText.Write(message) + "\n");
        }

        void WriteLine(byte[] bytes)
        {
            lock (outputLock)
            {
                try
                {
                    stdout.Write(bytes, 0, bytes.Length);
                    stdout.Flush();
                }
                catch (IOException)
                {
                    // The extension went away; stdin's end stops the bridge.
                }
            }
        }
    }

    /// <summary>The bridge's log on stderr: events and names, never a value, password or secret.</summary>
    public static class Log
    {
        static readonly object gate = new object();

        public static void Event(string kind, string text)
        {
            lock (gate)
            {
                try { Console.Error.WriteLine(DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ") + " " + kind + " " + Escaped(text)); }
                catch (IOException) { }
            }
        }

        /// <summary>
        /// Names in the log come from requests and from ENTSSO: a line break, control, format character or lone
        /// surrogate in one would forge a log line or rewrite a terminal. Each is written as \u{hex}, as
        /// src/protocol/untrustedText.ts escapes them.
        /// </summary>
        static string Escaped(string text)
        {
            var sb = new StringBuilder(text.Length);
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { sb.Append(c).Append(text[++i]); continue; }
                var category = char.GetUnicodeCategory(c);
                bool unsafeChar = category == System.Globalization.UnicodeCategory.Control || category == System.Globalization.UnicodeCategory.Format
                    || category == System.Globalization.UnicodeCategory.LineSeparator || category == System.Globalization.UnicodeCategory.ParagraphSeparator
                    || char.IsSurrogate(c);
                if (unsafeChar) sb.Append("\\u{").Append(((int)c).ToString("x")).Append('}');
                else sb.Append(c);
            }
            return sb.ToString();
        }
    }
}
