package io.polybus.events;

/**
 * Creates {@link Processor}s, one per place the processor is configured (each source has its own chain). Register
 * the implementation in {@code META-INF/services/io.polybus.events.ProcessorProvider}.
 *
 * <pre>{@code
 * public final class UpperCaseProvider implements ProcessorProvider {
 *     private static final ConfigDef KEYS = ConfigDef.builder("processor", "upper-case")
 *             .define("field", ConfigDef.Type.STRING, "message", "The field to upper-case.").build();
 *     public String type() { return "upper-case"; }
 *     public String description() { return "Upper-cases one field."; }
 *     public ConfigDef configDef() { return KEYS; }
 *     public Processor create(ProviderConfig config, ComponentContext context) {
 *         FieldPath field = FieldPath.of(config.getString("field"));
 *         return (event, chain) -> {
 *             Object v = event.get(field);
 *             if (v != null) {
 *                 event.set(field, v.toString().toUpperCase(Locale.ROOT));
 *             }
 *             chain.proceed(event);
 *         };
 *     }
 * }
 * }</pre>
 */
public interface ProcessorProvider extends ComponentProvider<Processor> {
}
