//! Builds scripted events from the checked scenario.

use bevy::prelude::*;

use crate::events::{ActionQueue, ActionSource, TimedAction};

use super::*;

/// The scripted events, queued in time order.
pub(super) fn events(world: &mut World, cx: &Cx) {
    let s = &cx.v.loaded.scenario;
    let mut queue = ActionQueue::default();
    for e in &s.events {
        queue.push(TimedAction {
            at_ms: e.at.as_ms(),
            action: e.action.clone(),
            note: e.note.clone(),
            source: ActionSource::Scenario,
        });
    }
    world.insert_resource(queue);
}
