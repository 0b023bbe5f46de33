package org.wirechat.protocol;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * In the default suite this runs the seed corpus under
 * {@code src/test/resources/org/wirechat/protocol/DecoderFuzzTestInputs/decode}; with
 * {@code JAZZER_FUZZ=1} it fuzzes. {@code scripts/fuzz} is the bounded long run.
 */
class DecoderFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void decode(byte[] data) {
        DecoderFuzzTarget.fuzzerTestOneInput(data);
    }
}
