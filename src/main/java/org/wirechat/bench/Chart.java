package org.wirechat.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws the benchmark figures (the TSV the load generator writes) as an SVG bar chart: throughput on
 * the left, one-hop latency (p50, p99) on the right. {@code Chart RESULTS.tsv OUT.svg}.
 */
public final class Chart {
    private record Bar(String label, double value, String color) {
    }

    private Chart() {
    }

    public static void main(String[] args) throws Exception {
        List<String[]> rows = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank()).map(l -> l.split("\t", -1)).toList();
        List<Bar> rate = new ArrayList<>();
        List<Bar> latency = new ArrayList<>();
        for (String[] r : rows) {
            String name = r[0] + " " + r[1] + (r[0].equals("idle-pair") ? " (" + r[2].replaceAll(".*, ", "") + ")" : "");
            if (r[4].equals("msg/s") || r[4].equals("deliveries/s")) { // a group message delivered to each member counts once each
                rate.add(new Bar(name, Double.parseDouble(r[3]), r[1].equals("relay") ? "#999999" : "#2b6cb0"));
            }
            if (!r[5].equals("NaN")) {
                latency.add(new Bar(name + " p50", Double.parseDouble(r[5]) / 1000, "#68a0d8"));
                latency.add(new Bar(name + " p99", Double.parseDouble(r[6]) / 1000, "#2b6cb0"));
            }
        }
        StringBuilder svg = new StringBuilder();
        int height = 60 + 28 * Math.max(rate.size(), latency.size());
        svg.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='1120' height='%d' "
                + "font-family='sans-serif' font-size='12'>%n<rect width='100%%' height='100%%' fill='white'/>%n", height));
        panel(svg, 10, "Throughput (messages/s)", rate, "%,.0f");
        panel(svg, 560, "One-hop latency (ms)", latency, "%.2f");
        svg.append("</svg>\n");
        Files.writeString(Path.of(args[1]), svg, StandardCharsets.UTF_8);
    }

    private static void panel(StringBuilder svg, int x, String title, List<Bar> bars, String format) {
        double max = bars.stream().mapToDouble(Bar::value).max().orElse(1);
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='24' font-size='15' font-weight='bold'>%s</text>%n", x, title));
        int y = 44;
        for (Bar b : bars) {
            double w = 220 * b.value() / max;
            svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d'>%s</text>%n", x, y + 14, escape(b.label())));
            svg.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%.1f' height='18' fill='%s'/>%n", x + 240, y, w, b.color()));
            svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d'>%s</text>%n", x + 245 + w, y + 14,
                    String.format(Locale.ROOT, format, b.value())));
            y += 28;
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;");
    }
}
