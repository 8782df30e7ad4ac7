package dev.cggm.onnx.tasks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The registry of tasks, by id. A new task is one class and one line here. */
public final class Tasks {
    private static final Map<String, Task> TASKS = new LinkedHashMap<>();

    public static final Task CLASSIFICATION = register(new ClassificationTask());
    public static final Task REGRESSION = register(new RegressionTask());
    public static final Task SEGMENTATION = register(new SegmentationTask());

    private Tasks() {
    }

    private static Task register(Task t) {
        TASKS.put(t.id(), t);
        return t;
    }

    /** The task with this id, or an error listing the known ones. */
    public static Task get(String id) {
        Task t = TASKS.get(id == null ? "" : id.toLowerCase(java.util.Locale.ROOT));
        if (t == null) {
            throw new IllegalArgumentException("unknown task '" + id + "'; known tasks: " + String.join(", ", ids()));
        }
        return t;
    }

    public static List<String> ids() {
        return List.copyOf(TASKS.keySet());
    }
}
