package io.polybus.cli;

import io.polybus.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's Java examples, as written: each {@code java} block is compiled with the imports and the stand-ins the
 * README names ({@code Order}, {@code bill}, {@code log}) and run in a JVM of its own, in a directory whose
 * {@code polybus.yaml} names the broker, on the memory broker and on Kafka.
 */
@ExtendWith(InProcessKafka.class)
class ReadmeExamplesTest {
    private static final Path README = Path.of("..", "README.md");
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path dir;

    static List<String> javaBlocks() throws IOException {
        Matcher m = JAVA_BLOCK.matcher(Files.readString(README));
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    @Test
    void theProduceAndConsumeExampleBillsTheOrderOnMemory() throws Exception {
        assertBills("broker:\n  type: memory\n");
    }

    @Test
    void theProduceAndConsumeExampleBillsTheOrderOnKafka() throws Exception {
        Config kafka = InProcessKafka.config();
        assertBills("broker:\n  type: kafka\n  bootstrap-servers: " + kafka.get("bootstrap-servers").orElseThrow() + "\n");
    }

    private void assertBills(String yaml) throws Exception {
        List<String> blocks = javaBlocks();
        assertFalse(blocks.isEmpty(), "the README has java examples");
        for (int i = 0; i < blocks.size(); i++) {
            String name = "ReadmeExample" + i;
            Path classes = compile(name, blocks.get(i));
            Path work = Files.createDirectories(dir.resolve("run-" + i));
            Files.writeString(work.resolve("polybus.yaml"), yaml);
            String output = run(name, classes, work);
            assertTrue(output.contains("sent o-1017"), output);
            assertTrue(output.contains("billed o-1017 for c-42"), "the consumer got the order before it closed:\n" + output);
        }
    }

    private Path compile(String name, String block) throws IOException {
        String source = """
                import io.polybus.*;
                import java.nio.file.Path;
                import java.util.concurrent.*;

                public class %s {
                    public record Order(String id, String customerId, long cents) {
                    }

                    static boolean bill(Order order) {
                        System.out.println("billed " + order.id() + " for " + order.customerId());
                        return true;
                    }

                    static void log(Receipt receipt, Throwable error) {
                        System.out.println(error == null ? "sent o-1017" : "failed: " + error);
                    }

                    public static void main(String[] args) throws Exception {
                %s
                    }
                }
                """.formatted(name, block);
        Path src = Files.createDirectories(dir.resolve("src")).resolve(name + ".java");
        Files.writeString(src, source);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac.run(null, null, errors, "-d", classes.toString(),
                "-cp", System.getProperty("java.class.path"), src.toString());
        assertEquals(0, rc, "the README example compiles as written:\n" + errors.toString(StandardCharsets.UTF_8));
        return classes;
    }

    private static String run(String name, Path classes, Path work) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = work.resolve("out.log");
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp",
                classes + File.pathSeparator + System.getProperty("java.class.path"), name)
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("the example did not end within 120 s:\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        assertEquals(0, p.exitValue(), output);
        return output;
    }
}
