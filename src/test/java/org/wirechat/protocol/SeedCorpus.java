package org.wirechat.protocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the fuzz seed corpus: every sample request and response frame, and a few broken ones.
 * Run once by hand when the samples change: {@code java ... SeedCorpus DIR}.
 */
public final class SeedCorpus {
    private SeedCorpus() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        int n = 0;
        for (Request r : Samples.requests()) {
            Files.write(dir.resolve(String.format("request-%02d", n++)), RequestCodec.encode(n, r).toBytes());
        }
        n = 0;
        for (Response r : Samples.responses()) {
            Files.write(dir.resolve(String.format("response-%02d", n++)), ResponseCodec.encode(n, r).toBytes());
        }
        Files.write(dir.resolve("two-frames"), Wire.concat(Wire.request(Opcode.PING),
                Wire.request(Opcode.LOGIN, "alice", "hunter22hunter22")));
        Files.write(dir.resolve("bad-utf8"), Wire.frame(1, 3, 1, Wire.bytes(0xC3, 0x1F, 'a')));
        Files.write(dir.resolve("huge-length"), Wire.frameWithLength(1, 1, 1, -1, new byte[0]));
        Files.write(dir.resolve("empty"), new byte[0]);
    }
}
