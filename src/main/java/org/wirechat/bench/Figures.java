package org.wirechat.bench;

import org.HdrHistogram.Histogram;

/** One workload's result line. Latencies in microseconds; NaN where not measured. */
record Figures(String workload, String system, String setup, double perSecond, String unit, double p50Micros,
        double p99Micros, double maxMicros, String extra) {

    static Figures of(String workload, String system, String setup, double perSecond, String unit, Histogram h, String extra) {
        return new Figures(workload, system, setup, perSecond, unit, h.getValueAtPercentile(50), h.getValueAtPercentile(99),
                h.getMaxValue(), extra);
    }

    static Figures rate(String workload, String system, String setup, double perSecond, String unit, String extra) {
        return new Figures(workload, system, setup, perSecond, unit, Double.NaN, Double.NaN, Double.NaN, extra);
    }

    String line() {
        String lat = Double.isNaN(p50Micros) ? ""
                : String.format("; one-hop latency p50 %.2f ms, p99 %.2f ms, max %.2f ms", p50Micros / 1000, p99Micros / 1000, maxMicros / 1000);
        return String.format("%-12s %-10s %-28s %,12.2f %s%s%s", workload, system, setup, perSecond, unit, lat,
                extra.isEmpty() ? "" : "; " + extra);
    }

    String tsv() {
        return String.join("\t", workload, system, setup, String.valueOf(perSecond), unit, String.valueOf(p50Micros),
                String.valueOf(p99Micros), String.valueOf(maxMicros), extra);
    }
}
