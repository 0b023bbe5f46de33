package org.wirechat.model;

import java.util.ArrayList;
import java.util.List;

/** A group of the model: its name (as spelled at creation or last rename), owner, members in join order. */
final class ModelGroup {
    final long id;
    String name;
    ModelAccount owner;
    final List<ModelAccount> members = new ArrayList<>();
    boolean live = true;

    ModelGroup(long id, String name, ModelAccount owner) {
        this.id = id;
        this.name = name;
        this.owner = owner;
        members.add(owner);
    }

    /**
     * The member leaves: an owner who leaves hands the group to the member who joined earliest of those
     * left; the last member ends it (docs/wire_design.md §5, GROUP_LEAVE).
     */
    void leave(ModelAccount member) {
        members.remove(member);
        if (members.isEmpty()) {
            live = false;
        } else if (owner == member) {
            owner = members.get(0);
        }
    }
}
