package io.polybus.internal;

import com.github.luben.zstd.Zstd;
import io.polybus.Compression;
import io.polybus.ConfigException;
import io.polybus.Message;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Compresses payloads for brokers without a codec of their own and decompresses them for every consumer
 * ({@link Compression}). A payload never decompresses to more than {@link #MAX_BYTES}, so a crafted message cannot
 * exhaust the consumer's memory.
 */
final class Compressor {
    /** The most a payload decompresses to: 256 MiB, above every broker's message limit. */
    static final int MAX_BYTES = 256 * 1024 * 1024;
    private static final int ZSTD_LEVEL = 3;

    private Compressor() {
    }

    /**
     * Checks that {@code compression}'s library is on the class path.
     *
     * @throws ConfigException naming the option and the library to add
     */
    static void require(Compression compression) {
        String missing = switch (compression) {
            case ZSTD -> present("com.github.luben.zstd.Zstd") ? null : "com.github.luben:zstd-jni";
            case LZ4 -> present("net.jpountz.lz4.LZ4FrameOutputStream") ? null : "at.yawk.lz4:lz4-java";
            case GZIP, NONE -> null;
        };
        if (missing != null) {
            throw new ConfigException("compression", compression.configName(),
                    "a codec whose library is on the class path: add " + missing + " (kafka-clients brings it)");
        }
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, Compressor.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** {@code message} with its payload compressed and marked with the codec's header. */
    static Message compressed(Message message, Compression compression) {
        byte[] payload = compress(compression, message.unsafePayload());
        return message.toBuilder().unsafePayload(payload).header(Compression.HEADER, compression.configName()).build();
    }

    /**
     * {@code message} as it was sent, when it carries a compressed payload; {@code message} itself otherwise.
     *
     * @throws IllegalArgumentException when the header names no codec, or the payload does not decompress
     */
    static Message decompressed(Message message) {
        String codec = message.header(Compression.HEADER);
        if (codec == null) {
            return message;
        }
        Compression compression = Compression.of(codec);
        byte[] payload = decompress(compression, message.unsafePayload());
        return message.toBuilder().unsafePayload(payload).removeHeader(Compression.HEADER).build();
    }

    static byte[] compress(Compression compression, byte[] payload) {
        return switch (compression) {
            case NONE -> payload;
            case ZSTD -> Zstd.compress(payload, ZSTD_LEVEL);
            case GZIP -> stream(payload, out -> new GZIPOutputStream(out, 8192));
            // 64 KiB blocks: the default (4 MiB) would allocate a 4 MiB buffer for every message.
            case LZ4 -> stream(payload, out -> new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB));
        };
    }

    static byte[] decompress(Compression compression, byte[] payload) {
        return switch (compression) {
            case NONE -> payload;
            case ZSTD -> {
                long size = Zstd.getFrameContentSize(payload);
                if (size < 0 || size > MAX_BYTES) {
                    throw new IllegalArgumentException(size < 0 ? "not a zstd frame with its size"
                            : "decompresses to " + size + " bytes, over the limit of " + MAX_BYTES);
                }
                yield Zstd.decompress(payload, (int) size);
            }
            case GZIP -> unstream(payload, GZIPInputStream::new);
            case LZ4 -> unstream(payload, LZ4FrameInputStream::new);
        };
    }

    private interface Wrap<T> {
        T wrap(T stream) throws IOException;
    }

    private static byte[] stream(byte[] payload, Wrap<OutputStream> codec) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(64, payload.length / 2));
        try (OutputStream out = codec.wrap(bytes)) {
            out.write(payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] unstream(byte[] payload, Wrap<InputStream> codec) {
        try (InputStream in = codec.wrap(new ByteArrayInputStream(payload))) {
            byte[] out = in.readNBytes(MAX_BYTES);
            if (in.read() >= 0) {
                throw new IllegalArgumentException("decompresses to more than the limit of " + MAX_BYTES + " bytes");
            }
            return out;
        } catch (IOException e) {
            throw new IllegalArgumentException("does not decompress: " + e.getMessage(), e);
        }
    }
}
