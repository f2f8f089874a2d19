package lmd.standin;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
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
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;
import org.apache.flink.streaming.api.functions.source.RichSourceFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CDC stand-in job of logminer-doctor's real-cluster tests: it plays a LogMiner CDC connector.
 *
 * <p>Arguments: {@code --feed host:port --output DIR --job-name NAME [--checkpoint-ms 2000]}.
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
 * logs once, stays silent and does not reconnect (the job stays RUNNING). When the feed stops
 * sending on an open socket, the source thread blocks in the socket read (no read timeout).
 * {@code POISON} makes "parse" throw; {@code SLOW <ms>} sets a per-record delay in "throttle"
 * ({@code SLOW 0} ends it). {@code STUCK <ms>} (consumed by the source) makes a later cancel leave
 * the socket read blocked for that long, as a connector whose JDBC read ignores cancellation until
 * a network timeout fires: a stop-with-savepoint then cannot finish the job in time.
 */
public final class CdcStandIn {
    private static final Logger LOG = LoggerFactory.getLogger(CdcStandIn.class);

    public static void main(String[] args) throws Exception {
        String feed = null;
        String output = null;
        String jobName = "cdc-standin";
        long checkpointMs = 2000;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--feed": feed = value; i++; break;
                case "--output": output = value; i++; break;
                case "--job-name": jobName = value; i++; break;
                case "--checkpoint-ms": checkpointMs = Long.parseLong(value); i++; break;
                default: throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        if (feed == null || output == null) {
            throw new IllegalArgumentException(
                    "usage: --feed host:port --output DIR --job-name NAME [--checkpoint-ms 2000]");
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
                        .withRollingPolicy(OnCheckpointRollingPolicy.build())
                        .build();

        env.addSource(new FeedSource(host, port))
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
        private final String host;
        private final int port;
        private volatile boolean running = true;
        private transient volatile Socket socket;
        /** Set by STUCK: how long a cancel leaves the blocked read alone. */
        private volatile long stuckMs;
        private transient ListState<Long> lastScnState;
        private long lastScn;

        FeedSource(String host, int port) {
            this.host = host;
            this.port = port;
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
                // No read timeout: a silent feed leaves this thread blocked in the socket read.
                Socket s = new Socket(host, port);
                socket = s;
                OutputStream out = s.getOutputStream();
                out.write(("FROM " + from + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                LOG.info("feed: connected to {}:{}, asked FROM {}", host, port, from);
                BufferedReader in = new BufferedReader(
                        new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                String line;
                while (running && (line = in.readLine()) != null) {
                    line = line.trim();
                    if (line.isEmpty()) {
                        continue;
                    }
                    if (line.startsWith("STUCK ")) {
                        stuckMs = Long.parseLong(line.substring(6).trim());
                        LOG.info("feed: a cancel will leave the read blocked for {} ms", stuckMs);
                        continue;
                    }
                    long scn = scnOf(line);
                    synchronized (lock) {
                        ctx.collect(line);
                        if (scn > lastScn) {
                            lastScn = scn;
                        }
                    }
                }
                if (running) {
                    LOG.warn("feed: the feed closed the connection (EOF); staying silent, not reconnecting");
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
