package lmd.standin;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;

import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.restartstrategy.RestartStrategies;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.RollingPolicy;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.DefaultRollingPolicy;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;
import org.apache.flink.streaming.api.functions.source.RichSourceFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CDC stand-in job of logminer-doctor's real-cluster tests: it plays a LogMiner CDC connector.
 *
 * <p>Arguments: {@code --feed host:port --output DIR --job-name NAME [--checkpoint-ms 2000]
 * [--source reader|poller] [--rolling checkpoint|default] [--rollover-ms 60000]
 * [--inactivity-ms 60000] [--bucket-check-ms 60000]}. The defaults are the original behaviour.
 *
 * <p>The pipeline and its vertex names (parallelism 1):
 *
 * <pre>
 *   "Source: feed -> parse"                              (legacy source + POISON check, one chain)
 *   "throttle -> FileSink: Writer -> FileSink: Committer" (SLOW delay + the FileSink, a new chain)
 * </pre>
 *
 * <p>The source connects to the feed over TCP, sends {@code FROM <lastScn>\n} and reads lines
 * {@code <scn>,<op>,<table>}; lastScn is kept in operator state. When the feed closes the socket it
 * logs once, stays silent and does not reconnect (the job stays RUNNING). {@code POISON} makes
 * "parse" throw; {@code SLOW <ms>} sets a per-record delay in "throttle" ({@code SLOW 0} ends it).
 * {@code STUCK <ms>} (consumed by the source) makes a later cancel leave the source thread blocked
 * for that long, as a connector whose JDBC call ignores cancellation until a network timeout
 * fires: a stop-with-savepoint then cannot finish the job in time. How the source reads:
 *
 * <ul>
 *   <li>{@code --source reader} (default): a line reader with no read timeout. When the feed stops
 *       sending on an open socket, the source thread blocks in the socket read, exactly like a
 *       connector on a half-open socket. On a STUCK cancel the read stays blocked until the socket
 *       is closed {@code <ms>} later.
 *   <li>{@code --source poller}: Debezium's LogMiner mining loop. The socket has a 500 ms read
 *       timeout (SO_TIMEOUT); the source reads whatever lines are available (its own byte buffer,
 *       so a line split across a timeout is not lost) and emits them as the reader does. When a
 *       read times out with nothing read, it sleeps 1 s (Debezium's {@code log.mining.sleep.time})
 *       and then writes {@code POLL <lastScn>\n}: the mining query reaching the database, which
 *       the feed counts as the session's last call and heartbeat. It never blocks in a read for
 *       long, so on a half-open feed it keeps polling into the socket's buffers, its thread
 *       RUNNABLE/TIMED_WAITING rather than stuck in one read. On a STUCK cancel it stops reading
 *       and polling and leaves the thread waiting (ignoring interrupts) until the socket is
 *       closed {@code <ms>} later, as a mining query in flight that ignores the cancel.
 * </ul>
 *
 * <p>How the FileSink rolls its part files:
 *
 * <ul>
 *   <li>{@code --rolling checkpoint} (default): {@code OnCheckpointRollingPolicy}, every checkpoint
 *       rolls the in-progress file, and the file is committed when that checkpoint completes.
 *   <li>{@code --rolling default}: {@code DefaultRollingPolicy} with {@code --rollover-ms} (the
 *       part file's maximum age) and {@code --inactivity-ms} (how long without a record before it
 *       rolls), both default 60000, and the default 128 MB part size. A part file grows in
 *       progress ({@code .part-*.inprogress.*}) across checkpoints and is committed only once it
 *       has rolled and the next checkpoint completes. The time-based conditions are evaluated only
 *       on the FileSink's bucket check timer, every {@code --bucket-check-ms} (Flink's default
 *       60000), so a roll happens up to that much later than the intervals say.
 * </ul>
 */
public final class CdcStandIn {
    private static final Logger LOG = LoggerFactory.getLogger(CdcStandIn.class);

    private static final String USAGE =
            "usage: --feed host:port --output DIR --job-name NAME [--checkpoint-ms 2000]"
                    + " [--source reader|poller] [--rolling checkpoint|default]"
                    + " [--rollover-ms 60000] [--inactivity-ms 60000] [--bucket-check-ms 60000]";

    public static void main(String[] args) throws Exception {
        String feed = null;
        String output = null;
        String jobName = "cdc-standin";
        long checkpointMs = 2000;
        String source = "reader";
        String rolling = "checkpoint";
        long rolloverMs = 60_000;
        long inactivityMs = 60_000;
        long bucketCheckMs = 60_000;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                throw new IllegalArgumentException("no value for " + args[i] + "; " + USAGE);
            }
            switch (args[i]) {
                case "--feed": feed = value; i++; break;
                case "--output": output = value; i++; break;
                case "--job-name": jobName = value; i++; break;
                case "--checkpoint-ms": checkpointMs = Long.parseLong(value); i++; break;
                case "--source": source = value; i++; break;
                case "--rolling": rolling = value; i++; break;
                case "--rollover-ms": rolloverMs = Long.parseLong(value); i++; break;
                case "--inactivity-ms": inactivityMs = Long.parseLong(value); i++; break;
                case "--bucket-check-ms": bucketCheckMs = Long.parseLong(value); i++; break;
                default: throw new IllegalArgumentException("unknown argument: " + args[i] + "; " + USAGE);
            }
        }
        if (feed == null || output == null) {
            throw new IllegalArgumentException(USAGE);
        }
        boolean poller;
        switch (source) {
            case "reader": poller = false; break;
            case "poller": poller = true; break;
            default: throw new IllegalArgumentException("--source must be reader or poller, not " + source);
        }
        RollingPolicy<String, String> policy;
        switch (rolling) {
            case "checkpoint":
                policy = OnCheckpointRollingPolicy.build();
                break;
            case "default":
                policy = DefaultRollingPolicy.builder()
                        .withRolloverInterval(Duration.ofMillis(rolloverMs))
                        .withInactivityInterval(Duration.ofMillis(inactivityMs))
                        .build();
                break;
            default:
                throw new IllegalArgumentException("--rolling must be checkpoint or default, not " + rolling);
        }
        int colon = feed.lastIndexOf(':');
        String host = feed.substring(0, colon);
        int port = Integer.parseInt(feed.substring(colon + 1));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(checkpointMs, CheckpointingMode.EXACTLY_ONCE);
        env.getCheckpointConfig()
                .setExternalizedCheckpointRetention(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        // Since 1.19 the default is exponential-delay, with which a failing job never reaches FAILED.
        env.setRestartStrategy(RestartStrategies.fixedDelayRestart(2, Duration.ofSeconds(1)));

        FileSink<String> sink =
                FileSink.forRowFormat(new Path(output), new SimpleStringEncoder<String>("UTF-8"))
                        .withRollingPolicy(policy)
                        .withBucketCheckInterval(bucketCheckMs)
                        .build();

        env.addSource(new FeedSource(host, port, poller))
                .name("feed")
                .uid("feed")
                .flatMap(new Parse())
                .name("parse")
                .uid("parse")
                .flatMap(new Throttle())
                .name("throttle")
                .uid("throttle")
                // Its own task, so that a slow throttle backpressures the source's task.
                .startNewChain()
                .sinkTo(sink)
                .name("FileSink")
                .uid("FileSink");

        env.execute(jobName);
    }

    /** Fails the job on POISON; passes everything else on. */
    static final class Parse implements FlatMapFunction<String, String> {
        @Override
        public void flatMap(String line, Collector<String> out) {
            if (line.equals("POISON")) {
                throw new RuntimeException("POISON record received: failing on purpose");
            }
            out.collect(line);
        }
    }

    /** SLOW <ms> sets a per-record delay (not emitted); change records pass after the delay. */
    static final class Throttle implements FlatMapFunction<String, String> {
        private long delayMs;

        @Override
        public void flatMap(String line, Collector<String> out) throws Exception {
            if (line.startsWith("SLOW ")) {
                delayMs = Long.parseLong(line.substring(5).trim());
                LOG.info("throttle: per-record delay now {} ms", delayMs);
                return;
            }
            if (delayMs > 0) {
                Thread.sleep(delayMs);
            }
            out.collect(line);
        }
    }

    /** The CDC connector stand-in: reads change records from the feed, remembers its SCN. */
    static final class FeedSource extends RichSourceFunction<String> implements CheckpointedFunction {
        /** The poller's SO_TIMEOUT: a read never blocks longer than this. */
        private static final int POLL_READ_TIMEOUT_MS = 500;
        /** The poller's pause after an empty read (Debezium's log.mining.sleep.time, 1 s). */
        private static final long POLL_SLEEP_MS = 1000;

        private final String host;
        private final int port;
        private final boolean poller;
        private volatile boolean running = true;
        private transient volatile Socket socket;
        /** Set by STUCK: how long a cancel leaves the blocked read alone. */
        private volatile long stuckMs;
        private transient ListState<Long> lastScnState;
        private long lastScn;

        FeedSource(String host, int port, boolean poller) {
            this.host = host;
            this.port = port;
            this.poller = poller;
        }

        @Override
        public void initializeState(FunctionInitializationContext context) throws Exception {
            lastScnState = context.getOperatorStateStore()
                    .getListState(new ListStateDescriptor<>("lastScn", Long.class));
            lastScn = 0;
            if (context.isRestored()) {
                for (Long scn : lastScnState.get()) {
                    lastScn = Math.max(lastScn, scn);
                }
                LOG.info("feed: restored lastScn {}", lastScn);
            }
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) throws Exception {
            lastScnState.update(Collections.singletonList(lastScn));
        }

        @Override
        public void run(SourceContext<String> ctx) throws Exception {
            Object lock = ctx.getCheckpointLock();
            long from;
            synchronized (lock) {
                from = lastScn;
            }
            try {
                Socket s = new Socket(host, port);
                socket = s;
                OutputStream out = s.getOutputStream();
                out.write(("FROM " + from + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                LOG.info("feed: connected to {}:{}, asked FROM {} ({})",
                        host, port, from, poller ? "poller" : "reader");
                if (poller) {
                    poll(s, out, ctx, lock);
                } else {
                    readLines(s, ctx, lock);
                }
            } catch (IOException e) {
                if (running) {
                    LOG.warn("feed: connection lost ({}); staying silent, not reconnecting", e.toString());
                }
            }
            while (running) {
                Thread.sleep(200);
            }
        }

        /** The reader: no read timeout, a silent feed leaves this thread blocked in the read. */
        private void readLines(Socket s, SourceContext<String> ctx, Object lock) throws IOException {
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while (running && (line = in.readLine()) != null) {
                handle(line, ctx, lock);
            }
            if (running) {
                LOG.warn("feed: the feed closed the connection (EOF); staying silent, not reconnecting");
            }
        }

        /**
         * The poller: short reads into its own buffer (a line split across a timeout is kept);
         * after an empty read it sleeps and sends {@code POLL <lastScn>}.
         */
        private void poll(Socket s, OutputStream out, SourceContext<String> ctx, Object lock)
                throws IOException {
            s.setSoTimeout(POLL_READ_TIMEOUT_MS);
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            ByteArrayOutputStream partial = new ByteArrayOutputStream();
            long polls = 0;
            while (running) {
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    // The mining query came back empty: sleep, then query again.
                    if (!pause(POLL_SLEEP_MS)) {
                        break;
                    }
                    // Only this thread writes lastScn, so it needs no lock here.
                    out.write(("POLL " + lastScn + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    if (++polls == 1) {
                        LOG.info("feed: idle, polling every {} ms", POLL_SLEEP_MS + POLL_READ_TIMEOUT_MS);
                    }
                    continue;
                }
                if (n < 0) {
                    if (running) {
                        LOG.warn("feed: the feed closed the connection (EOF); staying silent, not reconnecting");
                    }
                    return;
                }
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        handle(new String(partial.toByteArray(), StandardCharsets.UTF_8), ctx, lock);
                        partial.reset();
                    } else {
                        partial.write(buf[i]);
                    }
                }
            }
            if (!running && stuckMs > 0) {
                waitUntilClosed(s);
            }
        }

        /** Sleeps {@code ms} unless cancelled (or interrupted); true if still running. */
        private boolean pause(long ms) {
            long end = System.nanoTime() + ms * 1_000_000L;
            while (running) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                try {
                    Thread.sleep(Math.min(100, left / 1_000_000L + 1));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return false;
        }

        /** A STUCK cancel of the poller: waits, deaf to interrupts, until the socket is closed. */
        private static void waitUntilClosed(Socket s) {
            LOG.warn("feed: cancelled while a mining query is in flight; waiting for the socket to close");
            boolean interrupted = false;
            while (!s.isClosed()) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        /** One line from the feed: STUCK is consumed, anything else is emitted. */
        private void handle(String raw, SourceContext<String> ctx, Object lock) {
            String line = raw.trim();
            if (line.isEmpty()) {
                return;
            }
            if (line.startsWith("STUCK ")) {
                stuckMs = Long.parseLong(line.substring(6).trim());
                LOG.info("feed: a cancel will leave the read blocked for {} ms", stuckMs);
                return;
            }
            long scn = scnOf(line);
            synchronized (lock) {
                ctx.collect(line);
                if (scn > lastScn) {
                    lastScn = scn;
                }
            }
        }

        @Override
        public void cancel() {
            running = false;
            Socket s = socket;
            long delay = stuckMs;
            if (s != null && delay > 0) {
                LOG.warn("feed: cancelled, but the read stays blocked for {} ms", delay);
                Thread closer = new Thread(() -> {
                    try {
                        Thread.sleep(delay);
                        s.close();
                    } catch (IOException | InterruptedException ignored) {
                        // the read ends when the socket closes
                    }
                }, "stuck-read-closer");
                closer.setDaemon(true);
                closer.start();
            } else if (s != null) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing to unblock the read
                }
            }
        }

        /** The SCN of a change record {@code <scn>,<op>,<table>}, or -1 for a control line. */
        private static long scnOf(String line) {
            int comma = line.indexOf(',');
            if (comma <= 0) {
                return -1;
            }
            try {
                return Long.parseLong(line.substring(0, comma));
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }
}
