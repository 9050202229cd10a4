//! Requests in flight, one slot per [`Job`] kind (gitui's job queue): at most one request of a
//! kind is with the worker, and at most one more waits for it, the newest replacing an older one,
//! so a slow cluster never piles up refreshes. The app asks [`Jobs::start`] before it sends a
//! request and calls [`Jobs::finish`] when the answer arrives.
//!
//! A new kind (say, polling a reassignment's status): add its variant to `message::Job` and its
//! lines in `Request::job` / `Event::job`; the slot comes with it. A request the worker answers
//! several times (an execution reporting progress) frees its slot with its last event only:
//! `Event::job` names the kind for that event and None for the progress before it.

use std::collections::BTreeMap;

use super::message::{Job, Request};

/// One kind's slot: what the worker is serving and what goes out after it.
#[derive(Debug)]
struct Slot {
    running: Request,
    waiting: Option<Request>,
}

#[derive(Debug, Default)]
pub struct Jobs {
    slots: BTreeMap<Job, Slot>,
}

impl Jobs {
    /// A request of this kind is with the worker.
    pub fn busy(&self, job: Job) -> bool {
        self.slots.contains_key(&job)
    }

    /// The request to send now, if any. With nothing of its kind in flight, `req` itself. If the
    /// same request is in flight, its answer serves this one too: nothing to send. If another one
    /// of its kind is, `req` waits until that answers.
    pub fn start(&mut self, req: Request) -> Option<Request> {
        let Some(slot) = self.busy_slot(&req) else { return self.send(req) };
        if slot.running == req {
            // what waited (another one, asked before this) is no longer wanted
            slot.waiting.take_if(|w| *w != req);
        } else {
            slot.waiting = Some(req);
        }
        None
    }

    /// Like [`Jobs::start`], but the same request in flight does not serve this one: it may have
    /// been read before a change that `req` must see, so `req` waits and goes out again.
    pub fn start_after_change(&mut self, req: Request) -> Option<Request> {
        let Some(slot) = self.busy_slot(&req) else { return self.send(req) };
        slot.waiting = Some(req);
        None
    }

    /// The answer of `job` arrived: its slot frees, and the request that waited (now in flight) is
    /// returned to send.
    pub fn finish(&mut self, job: Job) -> Option<Request> {
        let next = self.slots.remove(&job)?.waiting?;
        self.slots.insert(job, Slot { running: next.clone(), waiting: None });
        Some(next)
    }

    fn busy_slot(&mut self, req: &Request) -> Option<&mut Slot> {
        self.slots.get_mut(&req.job()?)
    }

    /// `req` goes out now: it takes its kind's free slot (if it has a kind).
    fn send(&mut self, req: Request) -> Option<Request> {
        if let Some(job) = req.job() {
            self.slots.insert(job, Slot { running: req.clone(), waiting: None });
        }
        Some(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configs(topic: &str) -> Request {
        Request::Configs { topic: topic.into() }
    }

    #[test]
    fn one_in_flight_per_kind_and_the_newest_waits() {
        let mut jobs = Jobs::default();
        assert_eq!(jobs.start(Request::Refresh), Some(Request::Refresh));
        assert_eq!(jobs.start(Request::Refresh), None, "the refresh in flight serves this one");
        assert_eq!(jobs.start(configs("a")), Some(configs("a")), "another kind has its own slot");
        assert_eq!(jobs.start(configs("b")), None);
        assert_eq!(jobs.start(configs("c")), None);
        assert_eq!(jobs.finish(Job::Configs), Some(configs("c")), "the newest waiting one goes out");
        assert!(jobs.busy(Job::Configs));
        assert_eq!(jobs.finish(Job::Configs), None);
        assert!(!jobs.busy(Job::Configs));
        assert_eq!(jobs.finish(Job::Refresh), None);
        assert_eq!(jobs.finish(Job::Refresh), None, "a late or stray answer frees nothing twice");
    }

    #[test]
    fn the_same_request_in_flight_does_not_serve_one_after_a_change() {
        let mut jobs = Jobs::default();
        assert_eq!(jobs.start(Request::Refresh), Some(Request::Refresh));
        assert_eq!(jobs.start_after_change(Request::Refresh), None);
        assert_eq!(jobs.start(Request::Refresh), None, "still one waiting, not two");
        assert_eq!(jobs.finish(Job::Refresh), Some(Request::Refresh));
        assert_eq!(jobs.finish(Job::Refresh), None);
    }

    #[test]
    fn asking_again_for_what_is_in_flight_drops_another_that_waited() {
        let mut jobs = Jobs::default();
        assert_eq!(jobs.start(configs("a")), Some(configs("a")));
        assert_eq!(jobs.start(configs("b")), None);
        assert_eq!(jobs.start(configs("a")), None);
        assert_eq!(jobs.finish(Job::Configs), None, "b is no longer wanted");
    }

    #[test]
    fn requests_without_a_slot_go_out_as_they_are() {
        let mut jobs = Jobs::default();
        let prepare = Request::Prepare(crate::ops::Mutation::DeleteTopic { topic: "a".into() });
        assert_eq!(jobs.start(prepare.clone()), Some(prepare.clone()));
        assert_eq!(jobs.start(prepare.clone()), Some(prepare));
    }
}
