package dev.cggm.server;

import com.google.protobuf.Timestamp;
import dev.cggm.api.v1.JobState;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The jobs of one kind, by id and in creation order, with paged listing. Page tokens are opaque
 * to clients; they name the last job of the previous page, so pages stay consistent while jobs
 * are created (new ones come after every existing one).
 */
final class JobRegistry<J extends Job<?>> {
    private static final int DEFAULT_PAGE = 50;
    private static final int MAX_PAGE = 500;

    /** Position in creation order. */
    private record Key(long seconds, int nanos, String id) {
        static final Comparator<Key> ORDER = Comparator.comparingLong(Key::seconds).thenComparingInt(Key::nanos)
                .thenComparing(Key::id);

        static Key of(Job<?> j) {
            Timestamp t = j.createTime();
            return new Key(t.getSeconds(), t.getNanos(), j.id());
        }

        String token() {
            String raw = "v1:" + seconds + ":" + nanos + ":" + id;
            return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
        }

        static Key parse(String token) {
            try {
                String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
                String[] p = raw.split(":", 4);
                if (p.length != 4 || !p[0].equals("v1")) {
                    throw new IllegalArgumentException();
                }
                return new Key(Long.parseLong(p[1]), Integer.parseInt(p[2]), p[3]);
            } catch (IllegalArgumentException e) {
                throw ApiErrors.invalid("page_token", "not a token this server issued (pass next_page_token as is)");
            }
        }
    }

    /** One page of jobs and the token of the next (empty on the last page). */
    record Page<J>(List<J> items, String nextPageToken) {
    }

    private final String noun;
    private final Map<String, J> byId = new HashMap<>();
    private final TreeMap<Key, J> ordered = new TreeMap<>(Key.ORDER);

    JobRegistry(String noun) {
        this.noun = noun;
    }

    synchronized void add(J job) {
        byId.put(job.id(), job);
        ordered.put(Key.of(job), job);
    }

    /** The job, or NOT_FOUND naming the field the id came in. */
    synchronized J get(String field, String id) {
        if (id == null || id.isEmpty()) {
            throw ApiErrors.invalid(field, "required");
        }
        J j = byId.get(id);
        if (j == null) {
            throw ApiErrors.notFound(noun + " '" + id + "' not found");
        }
        return j;
    }

    synchronized Collection<J> all() {
        return new ArrayList<>(ordered.values());
    }

    synchronized Page<J> list(int pageSize, String pageToken, Set<JobState> states) {
        if (pageSize < 0) {
            throw ApiErrors.invalid("page_size", "must be >= 0, got " + pageSize);
        }
        int size = pageSize == 0 ? DEFAULT_PAGE : Math.min(pageSize, MAX_PAGE);
        Map<Key, J> rest = pageToken.isEmpty() ? ordered : ordered.tailMap(Key.parse(pageToken), false);
        List<J> items = new ArrayList<>();
        Key last = null;
        boolean more = false;
        for (Map.Entry<Key, J> e : rest.entrySet()) {
            if (!states.isEmpty() && !states.contains(e.getValue().state())) {
                continue;
            }
            if (items.size() == size) {
                more = true;
                break;
            }
            items.add(e.getValue());
            last = e.getKey();
        }
        return new Page<>(items, more ? last.token() : "");
    }
}
