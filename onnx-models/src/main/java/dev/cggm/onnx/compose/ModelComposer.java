package dev.cggm.onnx.compose;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.cggm.onnx.graph.GraphException;
import dev.cggm.onnx.graph.OnnxModels;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Joins several ONNX models into one graph at the proto level: each part's values, nodes and
 * initializers are renamed under a prefix ({@code text/…}), its inputs are either bound to values
 * already in the composed graph or become graph inputs, and its outputs can be bound by the parts
 * added after it. Opset imports are merged per domain (ai.onnx parts are first brought to
 * {@value OpsetUpgrade#TARGET} by {@link OpsetUpgrade}; other domains, e.g. com.microsoft, must
 * agree on a version). Parts are added in dependency order, so the node list stays topologically
 * sorted.
 */
public final class ModelComposer {
    private final GraphProto.Builder graph;
    private final Map<String, OperatorSetIdProto> opsets = new LinkedHashMap<>();
    private final Set<String> names = new HashSet<>();
    private final Set<String> prefixes = new HashSet<>();
    private long irVersion = OnnxModels.IR_VERSION;

    public ModelComposer(String name) {
        graph = GraphProto.newBuilder().setName(name);
    }

    /**
     * Adds a model.
     *
     * @param prefix   names of the part become {@code prefix/name}
     * @param bindings part input name → a value of the composed graph it reads; unbound inputs
     *                 become graph inputs under their own names (they must not clash)
     * @return part output name → its name in the composed graph
     */
    public Map<String, String> add(ModelProto part, String prefix, Map<String, String> bindings) {
        if (!prefixes.add(prefix)) {
            throw new GraphException("part prefix '" + prefix + "' used twice");
        }
        ModelProto m = OpsetUpgrade.toTarget(part);
        mergeOpsets(m, prefix);
        irVersion = Math.max(irVersion, m.getIrVersion());
        GraphProto g = m.getGraph();
        Map<String, String> rename = new HashMap<>();
        Set<String> initializers = new HashSet<>();
        g.getInitializerList().forEach(t -> initializers.add(t.getName()));
        for (String bound : bindings.keySet()) {
            if (g.getInputList().stream().noneMatch(v -> v.getName().equals(bound))) {
                throw new GraphException("part '" + prefix + "' has no input '" + bound + "'");
            }
        }
        for (ValueInfoProto in : g.getInputList()) {
            if (initializers.contains(in.getName())) {
                continue;   // an input with a default (an initializer): stays internal
            }
            String target = bindings.get(in.getName());
            if (target != null) {
                if (!names.contains(target)) {
                    throw new GraphException("part '" + prefix + "': input '" + in.getName() + "' is bound to '" + target
                            + "', which the composed graph does not have");
                }
                rename.put(in.getName(), target);
            } else {
                claim(in.getName(), prefix);
                rename.put(in.getName(), in.getName());
                graph.addInput(in);
            }
        }
        for (TensorProto t : g.getInitializerList()) {
            graph.addInitializer(t.toBuilder().setName(internal(prefix, t.getName(), rename)));
        }
        for (NodeProto n : g.getNodeList()) {
            NodeProto.Builder nb = n.toBuilder().clearInput().clearOutput()
                    .setName(prefix + "/" + (n.getName().isEmpty() ? n.getOpType() : n.getName()));
            for (AttributeProto a : n.getAttributeList()) {
                if (a.getType() == AttributeProto.AttributeType.GRAPH || a.getType() == AttributeProto.AttributeType.GRAPHS) {
                    throw new GraphException("part '" + prefix + "': node " + n.getName() + " has a subgraph; not supported");
                }
            }
            for (String in : n.getInputList()) {
                nb.addInput(in.isEmpty() ? "" : rename.getOrDefault(in, prefix + "/" + in));
            }
            for (String out : n.getOutputList()) {
                nb.addOutput(out.isEmpty() ? "" : internal(prefix, out, rename));
            }
            graph.addNode(nb);
        }
        Set<String> typed = new HashSet<>();
        Map<String, String> outputs = new LinkedHashMap<>();
        for (ValueInfoProto out : g.getOutputList()) {
            String name = rename.getOrDefault(out.getName(), prefix + "/" + out.getName());
            outputs.put(out.getName(), name);
            if (typed.add(name)) {
                graph.addValueInfo(out.toBuilder().setName(name));
            }
        }
        for (ValueInfoProto v : g.getValueInfoList()) {
            String name = rename.getOrDefault(v.getName(), prefix + "/" + v.getName());
            if (!bindings.containsKey(v.getName()) && typed.add(name)) {
                graph.addValueInfo(v.toBuilder().setName(name));
            }
        }
        return outputs;
    }

    /**
     * Narrows the declared type of a graph input (e.g. a symbolic length that later parts fix to
     * a size); the name must already be an input.
     */
    public void retypeInput(ValueInfoProto type) {
        for (int i = 0; i < graph.getInputCount(); i++) {
            if (graph.getInput(i).getName().equals(type.getName())) {
                graph.setInput(i, type);
                return;
            }
        }
        throw new GraphException("the composed graph has no input '" + type.getName() + "'");
    }

    /** Makes a composed value a graph output under {@code name} (through an Identity when the names differ). */
    public void output(String value, String name, ValueInfoProto type) {
        if (!names.contains(value)) {
            throw new GraphException("no value '" + value + "' to make output '" + name + "'");
        }
        if (!value.equals(name)) {
            claim(name, "outputs");
            graph.addNode(NodeProto.newBuilder().setName("output/" + name).setOpType("Identity").addInput(value)
                    .addOutput(name));
        }
        graph.addOutput(type.toBuilder().setName(name));
    }

    /**
     * The composed model with the given metadata. Nodes and initializers no output depends on (a
     * part's unused outputs, e.g. an image classifier's logits) are left out.
     */
    public ModelProto build(Map<String, String> metadata) {
        ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(irVersion).setProducerName(OnnxModels.PRODUCER)
                .addAllOpsetImport(opsets.values()).setGraph(pruned());
        metadata.forEach((k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    private GraphProto pruned() {
        Set<String> needed = new HashSet<>();
        graph.getOutputList().forEach(o -> needed.add(o.getName()));
        List<NodeProto> kept = new ArrayList<>();
        List<NodeProto> nodes = graph.getNodeList();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            NodeProto n = nodes.get(i);
            if (n.getOutputList().stream().anyMatch(needed::contains)) {
                kept.add(n);
                n.getInputList().stream().filter(in -> !in.isEmpty()).forEach(needed::add);
            }
        }
        Collections.reverse(kept);
        GraphProto.Builder g = graph.clone().clearNode().addAllNode(kept).clearInitializer().clearValueInfo();
        graph.getInitializerList().stream().filter(t -> needed.contains(t.getName())).forEach(g::addInitializer);
        graph.getValueInfoList().stream().filter(v -> needed.contains(v.getName())).forEach(g::addValueInfo);
        return g.build();
    }

    private String internal(String prefix, String name, Map<String, String> rename) {
        String n = prefix + "/" + name;
        claim(n, prefix);
        rename.put(name, n);
        return n;
    }

    private void claim(String name, String part) {
        if (!names.add(name)) {
            throw new GraphException("part '" + part + "': value name '" + name + "' is already used in the composed graph");
        }
    }

    private void mergeOpsets(ModelProto m, String prefix) {
        for (OperatorSetIdProto o : m.getOpsetImportList()) {
            String domain = o.getDomain().equals("ai.onnx") ? "" : o.getDomain();
            OperatorSetIdProto have = opsets.get(domain);
            if (have == null) {
                opsets.put(domain, o.toBuilder().setDomain(domain).build());
            } else if (have.getVersion() != o.getVersion()) {
                throw new GraphException("part '" + prefix + "' imports " + (domain.isEmpty() ? "ai.onnx" : domain)
                        + " version " + o.getVersion() + " but an earlier part version " + have.getVersion());
            }
        }
    }
}
