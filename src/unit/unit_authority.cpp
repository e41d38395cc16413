// The per-unit authority (see unit_authority.hpp). Every member function named do_* or on_* runs
// on strand_; the public entry points only post to it.
#include "unit/unit_authority.hpp"

#include <algorithm>
#include <chrono>
#include <future>

#include "store/account_store.hpp"
#include "text/coded_error.hpp"
#include "unit/wire.hpp"

namespace coplan::unit {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

authority_state authority_state::restore(std::shared_ptr<const template_spec> spec, unit_limits limits,
                                         const store::loaded_unit& loaded) {
  auto snap = nlohmann::json::parse(loaded.snapshot);
  authority_state st{unit_doc::from_json(spec, limits, snap), {}, loaded.upto_op, loaded.ops, loaded.closed,
                     loaded.snapshot.size()};
  if (snap.contains("commands")) st.last_command_seq = snap.at("commands").get<std::map<std::string, std::uint64_t>>();
  for (const auto& row : loaded.tail) {
    if (row.kind == 0) {
      std::vector<incoming_update> one(1);
      one[0].client_id = row.client_id;
      one[0].seq = row.client_seq;
      one[0].changes = text::change_set::from_json(nlohmann::json::parse(row.payload), INT64_MAX / 4, INT64_MAX / 4);
      one[0].changes_json = row.payload;
      std::vector<std::shared_ptr<const text_update>> accepted;
      auto outcome = st.doc.push(row.stream, row.version, std::move(one), row.author, row.time, accepted);
      if (outcome != unit_doc::push_outcome::applied)
        throw std::runtime_error("op log: stream " + row.stream + " out of order at op " + std::to_string(row.id));
    } else {
      auto cmd = command::from_json(nlohmann::json::parse(row.payload));
      if (row.version != st.doc.structure_version())
        throw std::runtime_error("op log: structure out of order at op " + std::to_string(row.id));
      st.doc.apply(cmd, row.client_id, row.client_seq, row.author, row.time);
      auto& last = st.last_command_seq[row.client_id];
      last = std::max(last, row.client_seq);
    }
    st.last_op_id = row.id;
  }
  return st;
}

unit_authority::unit_authority(boost::asio::io_context::executor_type ex, unit_identity identity, authority_state state,
                               std::vector<member_info> members, store::op_log_writer& writer,
                               store::unit_store& reader, authority_settings settings)
    : strand_(boost::asio::make_strand(ex)),
      identity_(std::move(identity)),
      members_(std::move(members)),
      writer_(writer),
      reader_(reader),
      settings_(settings),
      guard_(std::make_shared<std::atomic<bool>>(false)),
      doc_(std::move(state.doc)),
      last_command_seq_(std::move(state.last_command_seq)),
      last_op_id_(state.last_op_id),
      ops_at_snapshot_(state.ops_at_snapshot),
      snapshot_bytes_(state.snapshot_bytes),
      ops_at_load_(doc_.total_ops()),
      loaded_closed_(state.closed) {
  std::set<std::uint32_t> ids;
  for (const auto& m : members_) ids.insert(m.id);
  doc_.set_members(std::move(ids));
  doc_.set_expertise_areas(settings_.expertise_areas);
  summary_.values = doc_.unit_values();
  summary_structure_version_ = doc_.structure_version();
}

void unit_authority::update_summary(bool edited) {
  std::lock_guard lock(summary_mutex_);
  // After every commit (edited), before the commit's broadcast and answers: a client that has
  // seen its command or edit confirmed then finds it on the home card (the units list is read on
  // other threads, so updating after the broadcast let such a read see the old values). The
  // unit's values change only with structure commands, and who is online only with joins and
  // leaves, so a text edit costs just the time of the last edit.
  if (summary_structure_version_ != doc_.structure_version()) {
    summary_.values = doc_.unit_values();
    summary_structure_version_ = doc_.structure_version();
  }
  if (edited) {
    summary_.last_edit = now_ms();
    return;
  }
  summary_.online.clear();
  for (const auto& e : subs_)
    if (std::find(summary_.online.begin(), summary_.online.end(), e.user) == summary_.online.end())
      summary_.online.push_back(e.user);
}

std::vector<member_info> unit_authority::members() const {
  std::lock_guard lock(summary_mutex_);
  return members_;
}

void unit_authority::add_member(member_info m) {
  boost::asio::post(strand_, [self = shared_from_this(), m = std::move(m)] {
    {
      std::lock_guard lock(self->summary_mutex_);
      if (std::none_of(self->members_.begin(), self->members_.end(), [&](const member_info& x) { return x.id == m.id; }))
        self->members_.push_back(m);
    }
    self->broadcast_members();
  });
}

void unit_authority::set_members(std::vector<member_info> members) {
  boost::asio::post(strand_, [self = shared_from_this(), members = std::move(members)]() mutable {
    std::erase_if(members, [](const member_info& m) { return !store::account_store::may_join_units(m.role); });
    auto same = [](const member_info& a, const member_info& b) { return a.id == b.id && a.name == b.name && a.role == b.role; };
    {
      std::lock_guard lock(self->summary_mutex_);
      if (std::equal(members.begin(), members.end(), self->members_.begin(), self->members_.end(), same)) return;
      self->members_ = std::move(members);
    }
    // Those no longer members go first, so they are not told who the members are now.
    std::vector<std::shared_ptr<unit_subscriber>> gone;
    for (const auto& e : self->subs_)
      if (!self->may_act(e.user))
        if (auto sub = e.sub.lock()) gone.push_back(std::move(sub));
    for (const auto& sub : gone) self->refuse_non_member(sub);
    self->broadcast_members();
  });
}

void unit_authority::broadcast_members() {
  std::set<std::uint32_t> ids;
  auto list = nlohmann::json::array();
  {
    std::lock_guard lock(summary_mutex_);
    for (const auto& x : members_) {
      ids.insert(x.id);
      list.push_back({{"id", x.id}, {"name", x.name}, {"role", x.role}});
    }
  }
  doc_.set_members(std::move(ids));
  broadcast(wire::of({{"type", "members"}, {"members", std::move(list)}}));
}

bool unit_authority::may_act(std::uint32_t user) const {
  // members_ changes on the strand only, so reading it here needs no lock.
  return std::any_of(members_.begin(), members_.end(), [&](const member_info& m) {
    return m.id == user && store::account_store::may_join_units(m.role);
  });
}

void unit_authority::refuse_non_member(const std::shared_ptr<unit_subscriber>& sub) {
  sub->deliver(wire::error("not_a_member", "you are not a member of this unit (any more); nothing was changed"));
  do_leave(sub.get());
  sub->close_from_unit("not_a_member");
}

unit_authority::summary unit_authority::current_summary() const {
  std::lock_guard lock(summary_mutex_);
  return summary_;
}

void unit_authority::run_and_wait(std::function<void(const unit_doc&)> f) {
  std::promise<void> done;
  boost::asio::post(strand_, [self = shared_from_this(), &f, &done] {
    try {
      f(self->doc_);
      done.set_value();
    } catch (...) {
      done.set_exception(std::current_exception());
    }
  });
  done.get_future().get();
}

unit_authority::~unit_authority() {
  // Every commit callback holds a reference, so nothing is pending here: the state is durable, and
  // a closing snapshot lets the next open read no op log at all (the writer marks it closed). Not
  // needed when the unit was loaded from such a snapshot and nothing changed since.
  if (failed_ || (loaded_closed_ && doc_.total_ops() == ops_at_load_)) return;
  auto snap = snapshot_now();
  snap.closing = true;
  writer_.append_snapshot(std::move(snap), nullptr, guard_);
}

void unit_authority::join(std::shared_ptr<unit_subscriber> sub, std::uint32_t user, hello_msg hello) {
  boost::asio::post(strand_, [self = shared_from_this(), sub = std::move(sub), user, hello = std::move(hello)]() mutable {
    self->do_join(std::move(sub), user, std::move(hello));
  });
}

void unit_authority::leave(unit_subscriber* sub) {
  boost::asio::post(strand_, [self = shared_from_this(), sub] { self->do_leave(sub); });
}

void unit_authority::handle(std::shared_ptr<unit_subscriber> sub, std::uint32_t user, client_message msg) {
  boost::asio::post(strand_, [self = shared_from_this(), sub = std::move(sub), user, msg = std::move(msg)]() mutable {
    self->do_handle(std::move(sub), user, std::move(msg));
  });
}

void unit_authority::inspect(std::function<void(const unit_doc&)> f) {
  boost::asio::post(strand_, [self = shared_from_this(), f = std::move(f)] { f(self->doc_); });
}

void unit_authority::do_join(std::shared_ptr<unit_subscriber> sub, std::uint32_t user, hello_msg hello) {
  if (failed_) {
    sub->close_from_unit("storage_failed");
    return;
  }
  if (!may_act(user)) return refuse_non_member(sub);
  if (pending_commits_ > 0) {
    // Serve once every in-flight op is durable, so the new client only ever sees committed state.
    waiting_joins_.push_back({std::move(sub), user, std::move(hello)});
    return;
  }
  auto w = welcome(hello, user);
  subs_.push_back({sub, sub.get(), user, hello.client_id, nullptr});
  subscriber_count_.store(subs_.size());
  sub->deliver(std::move(w));
  // Tell the newcomer where the others are, then tell everyone who is here.
  for (const auto& e : subs_)
    if (e.key != sub.get() && !e.presence.is_null()) sub->deliver(wire::of(e.presence));
  schedule_online();
  update_summary(false);
}

void unit_authority::do_leave(unit_subscriber* sub) {
  auto before = subs_.size();
  std::erase_if(subs_, [&](const subscriber_entry& e) { return e.key == sub; });
  std::erase_if(waiting_joins_, [&](const deferred_message& d) { return d.sub.get() == sub; });
  subscriber_count_.store(subs_.size());
  if (subs_.size() != before) {
    schedule_online();
    update_summary(false);
  }
}

void unit_authority::do_handle(std::shared_ptr<unit_subscriber> sub, std::uint32_t user, client_message msg) {
  if (failed_) return;
  if (!may_act(user)) return refuse_non_member(sub);
  if (!waiting_joins_.empty() && (std::holds_alternative<push_msg>(msg) || std::holds_alternative<command_msg>(msg))) {
    // Changes wait behind the joins so the joins see a state with nothing in flight.
    deferred_.push_back([this, self = shared_from_this(), sub = std::move(sub), user, msg = std::move(msg)]() mutable {
      do_handle(std::move(sub), user, std::move(msg));
    });
    return;
  }
  if (auto* p = std::get_if<push_msg>(&msg)) do_push(sub, user, *p);
  else if (auto* c = std::get_if<command_msg>(&msg)) do_command(sub, user, *c);
  else if (auto* pr = std::get_if<presence_msg>(&msg)) do_presence(sub.get(), *pr);
  else if (std::holds_alternative<ping_msg>(msg)) sub->deliver(wire::of({{"type", "pong"}}));
}

void unit_authority::do_push(const std::shared_ptr<unit_subscriber>& sub, std::uint32_t user, push_msg& m) {
  std::vector<std::shared_ptr<const text_update>> accepted;
  try {
    auto outcome = doc_.push(m.stream, m.version, std::move(m.updates), user, now_ms(), accepted);
    if (outcome == unit_doc::push_outcome::stale || accepted.empty()) {
      // Refused as stale, or nothing new (a re-sent push already applied): say where the head is.
      auto answer = wire::pushed(m.stream, accepted.empty() && outcome == unit_doc::push_outcome::applied,
                                 doc_.find_stream(m.stream)->version);
      if (outcome == unit_doc::push_outcome::stale) sub->deliver(std::move(answer));
      else answer_when_durable(sub, std::move(answer));
      return;
    }
  } catch (const coded_error& e) {
    sub->deliver(wire::error(e.code(), e.what(), {{"stream", m.stream}, {"version", m.version}}));
    return;
  }
  commit_text(m.stream, std::move(accepted), nullptr, sub);
}

void unit_authority::commit_text(std::string stream, std::vector<std::shared_ptr<const text_update>> accepted,
                                 std::function<void(bool ok)> after, std::weak_ptr<unit_subscriber> pusher) {
  std::vector<store::op_row> rows;
  rows.reserve(accepted.size());
  for (const auto& u : accepted)
    rows.push_back({0, identity_.id, 0, u->stream, u->version, u->author, u->client_id, u->seq, u->time, u->changes_json});
  ++pending_commits_;
  writer_.append(
      std::move(rows),
      [self = shared_from_this(), stream = std::move(stream), accepted = std::move(accepted), after = std::move(after),
       pusher = std::move(pusher)](bool ok, std::int64_t last_id) mutable {
        boost::asio::post(self->strand_, [self, ok, last_id, stream = std::move(stream), accepted = std::move(accepted),
                                          after = std::move(after), pusher = std::move(pusher)] {
          if (ok) {
            self->update_summary(true);  // before anyone hears of the commit (see update_summary)
            auto updates = wire::updates(stream, accepted);
            if (auto p = pusher.lock()) {
              // The pusher sees its updates in the stream, then `pushed`, both in one delivery (one
              // frame for a client reading batches).
              self->broadcast(updates, p.get());
              p->deliver_pair(updates, wire::pushed(stream, true, accepted.back()->version + 1));
            } else {
              self->broadcast(updates);
            }
          }
          if (after) after(ok);
          self->after_commit(ok, last_id, accepted.size());
        });
      },
      guard_);
}

void unit_authority::do_command(const std::shared_ptr<unit_subscriber>& sub, std::uint32_t user, command_msg& m) {
  auto it = last_command_seq_.find(m.client_id);
  if (it != last_command_seq_.end() && m.seq <= it->second) {
    answer_when_durable(sub, wire::command_ack(m.client_id, m.seq));  // a resend of a command already applied
    return;
  }
  std::shared_ptr<const structure_update> update;
  try {
    update = doc_.apply(m.cmd, m.client_id, m.seq, user, now_ms());
  } catch (const coded_error& e) {
    sub->deliver(wire::error(e.code(), e.what(), {{"clientID", m.client_id}, {"seq", m.seq}}));
    return;
  }
  last_command_seq_[m.client_id] = m.seq;
  commit_command(std::move(update), [](bool) {});
}

void unit_authority::commit_command(std::shared_ptr<const structure_update> update, std::function<void(bool ok)> after) {
  store::op_row row{0, identity_.id, 1, {}, update->version, update->author, update->client_id, update->seq, update->time,
                    update->cmd.to_json().dump()};
  const auto& cmd = update->cmd;
  store::op_log_writer::extra_fn extra;
  if (cmd.op == command_op::set_value && cmd.block == "unit" && cmd.field == "title" && cmd.value.is_string()) {
    extra = [unit = identity_.id, title = cmd.value.get<std::string>()](store::database& db) {
      auto st = db.prepare("UPDATE units SET title = ? WHERE id = ?");
      st.bind(1, title).bind(2, unit);
      st.run();
    };
  } else if (cmd.op == command_op::set_value && cmd.block == "unit" && cmd.field == "phase" && cmd.value.is_string() &&
             settings_.on_phase) {
    extra = [hook = settings_.on_phase, unit = identity_.id, phase = cmd.value.get<std::string>(),
             author = update->author](store::database& db) { hook(db, unit, phase, author); };
  }
  ++pending_commits_;
  writer_.append(
      {std::move(row)},
      [self = shared_from_this(), update = std::move(update), after = std::move(after)](bool ok, std::int64_t last_id) mutable {
        boost::asio::post(self->strand_, [self, ok, last_id, update = std::move(update), after = std::move(after)] {
          if (ok) {
            self->update_summary(true);  // before anyone hears of the commit (see update_summary)
            self->broadcast(wire::command(*update));
          }
          after(ok);
          self->after_commit(ok, last_id, 1);
        });
      },
      guard_, std::move(extra));
}

void unit_authority::when_no_joins_wait(std::function<void()> change) {
  if (waiting_joins_.empty()) change();
  else deferred_.push_back(std::move(change));
}

std::uint64_t unit_authority::server_edit(const std::string& stream,
                                          std::function<text::change_set(const text::text_buffer&)> make,
                                          std::uint32_t author) {
  std::promise<std::uint64_t> done;
  boost::asio::post(strand_, [this, self = shared_from_this(), &stream, &make, author, &done] {
    when_no_joins_wait([this, self, stream, make, author, &done] {
      try {
        if (failed_) throw coded_error("storage_failed", "the unit could not be saved");
        const auto* s = doc_.find_stream(stream);
        if (!s) throw coded_error("unknown_stream", "no text field " + stream.substr(0, 80));
        std::vector<incoming_update> one(1);
        one[0].client_id = "server";
        one[0].changes = make(s->text);
        std::vector<std::shared_ptr<const text_update>> accepted;
        doc_.push(stream, s->version, std::move(one), author, now_ms(), accepted);
        commit_text(stream, std::move(accepted), [this, stream, &done](bool ok) {
          if (ok) done.set_value(doc_.find_stream(stream)->version);
          else done.set_exception(std::make_exception_ptr(coded_error("storage_failed", "the edit could not be saved")));
        });
      } catch (...) {
        done.set_exception(std::current_exception());
      }
    });
  });
  return done.get_future().get();
}

void unit_authority::server_command(const command& cmd, std::uint32_t author) {
  std::promise<void> done;
  boost::asio::post(strand_, [this, self = shared_from_this(), &cmd, author, &done] {
    when_no_joins_wait([this, self, cmd, author, &done] {
      try {
        if (failed_) throw coded_error("storage_failed", "the unit could not be saved");
        auto update = doc_.apply(cmd, "server", 0, author, now_ms());
        commit_command(std::move(update), [&done](bool ok) {
          if (ok) done.set_value();
          else done.set_exception(std::make_exception_ptr(coded_error("storage_failed", "the change could not be saved")));
        });
      } catch (...) {
        done.set_exception(std::current_exception());
      }
    });
  });
  done.get_future().get();
}

void unit_authority::after_commit(bool ok, std::int64_t last_id, std::size_t ops) {
  --pending_commits_;
  if (!ok) {
    fail_unit();
    return;
  }
  last_op_id_ = std::max(last_op_id_, last_id);
  if (pending_commits_ == 0) {
    for (auto& [weak, answer] : std::exchange(answers_after_commit_, {}))
      if (auto s = weak.lock()) s->deliver(std::move(answer));
    maybe_snapshot();
    serve_waiting();
  }
}

void unit_authority::answer_when_durable(const std::shared_ptr<unit_subscriber>& sub, wire::message answer) {
  if (pending_commits_ == 0) sub->deliver(std::move(answer));
  else answers_after_commit_.emplace_back(sub, std::move(answer));
}

void unit_authority::serve_waiting() {
  auto joins = std::move(waiting_joins_);
  waiting_joins_.clear();
  for (auto& j : joins) do_join(std::move(j.sub), j.user, std::move(std::get<hello_msg>(j.msg)));
  while (!deferred_.empty() && waiting_joins_.empty()) {
    auto change = std::move(deferred_.front());
    deferred_.pop_front();
    change();
  }
}

std::uint64_t unit_authority::ops_until_snapshot() const {
  auto by_size = std::min(settings_.history_checkpoint, snapshot_bytes_ / std::max<std::uint64_t>(1, settings_.snapshot_bytes_per_op));
  return std::max(settings_.snapshot_every, by_size);
}

bool unit_authority::past_checkpoint() const {
  return doc_.total_ops() / settings_.history_checkpoint != ops_at_snapshot_ / settings_.history_checkpoint;
}

void unit_authority::maybe_snapshot() {
  if (snapshot_in_flight_) return;
  auto ops = doc_.total_ops();
  // A snapshot is due at each history checkpoint too: no past version is more than about
  // history_checkpoint ops from a kept snapshot.
  if (ops - ops_at_snapshot_ < ops_until_snapshot() && !past_checkpoint()) return;
  auto snap = snapshot_now();
  snapshot_in_flight_ = true;
  snapshot_bytes_ = snap.data.size();
  writer_.append_snapshot(
      std::move(snap),
      [self = shared_from_this(), ops](bool ok, std::int64_t) {
        boost::asio::post(self->strand_, [self, ok, ops] {
          self->snapshot_in_flight_ = false;
          if (ok) self->ops_at_snapshot_ = std::max(self->ops_at_snapshot_, ops);
        });
      },
      guard_);
}

std::string unit_authority::snapshot_json() const {
  std::string out;
  out.reserve(snapshot_bytes_ + snapshot_bytes_ / 8 + 4096);  // about the last one's size, and room to grow
  out += "{\"commands\":" + nlohmann::json(last_command_seq_).dump() + ",";
  doc_.append_json_members(out);
  out.push_back('}');
  return out;
}

store::snapshot_row unit_authority::snapshot_now() const {
  // The first snapshot past each multiple of history_checkpoint ops is kept for the history view.
  return {identity_.id, last_op_id_, doc_.total_ops(), now_ms(), snapshot_json(), past_checkpoint()};
}

void unit_authority::fail_unit() {
  if (failed_.exchange(true)) return;
  // The in-memory state holds ops that never became durable: drop every client (they still hold
  // their unconfirmed edits and send them again) and let the registry load the unit afresh.
  for (auto& e : subs_)
    if (auto s = e.sub.lock()) s->close_from_unit("storage_failed");
  for (auto& j : waiting_joins_) j.sub->close_from_unit("storage_failed");
  subs_.clear();
  waiting_joins_.clear();
  deferred_.clear();
  answers_after_commit_.clear();
  subscriber_count_.store(0);
}

void unit_authority::do_presence(unit_subscriber* sub, presence_msg& m) {
  for (auto& e : subs_) {
    if (e.key != sub) continue;
    if (!m.stream.empty() && !doc_.find_stream(m.stream)) {
      // No ref: the field named in a presence is not a push the client should count as refused.
      sub->deliver(wire::error("unknown_stream", "no text field " + m.stream.substr(0, 80)));
      return;
    }
    nlohmann::json p{{"type", "presence"}, {"user", e.user}, {"clientID", e.client_id}};
    if (!m.stream.empty()) {
      p["stream"] = m.stream;
      p["anchor"] = m.anchor;
      p["head"] = m.head;
    } else {
      p["stream"] = nullptr;
    }
    e.presence = p;
    broadcast(wire::of(p), sub);
    return;
  }
}

void unit_authority::broadcast(const std::shared_ptr<const std::string>& message, unit_subscriber* except) {
  bool gone = false;
  for (const auto& e : subs_) {
    if (e.key == except) continue;
    if (auto s = e.sub.lock()) s->deliver(message);
    else gone = true;
  }
  if (gone) {
    std::erase_if(subs_, [](const subscriber_entry& e) { return e.sub.expired(); });
    subscriber_count_.store(subs_.size());
  }
}

void unit_authority::schedule_online() {
  if (online_pending_) return;
  online_pending_ = true;
  online_timer_.expires_after(std::chrono::milliseconds(20));
  online_timer_.async_wait([self = shared_from_this()](boost::system::error_code) {
    self->online_pending_ = false;
    self->broadcast_online();
  });
}

void unit_authority::broadcast_online() {
  auto clients = nlohmann::json::array();
  for (const auto& e : subs_) clients.push_back({{"user", e.user}, {"clientID", e.client_id}});
  broadcast(wire::of({{"type", "online"}, {"clients", std::move(clients)}}));
}

nlohmann::json unit_authority::catch_up(const std::string& stream, std::uint64_t from) {
  // Updates older than what memory keeps (from `from` up to the first version kept) come back
  // from the op log, only its rows written since then being read; the rest come from memory.
  // Joins wait for in-flight commits, so every op in memory is in the log too.
  auto list = nlohmann::json::array();
  auto kept = doc_.find_stream(stream)->first_kept();
  std::uint64_t expect = from;
  if (from < kept) {
    for (const auto& r : reader_.text_ops_between(identity_.id, stream, from, kept)) {
      if (r.version != expect) break;
      text_update u{stream, r.version, r.client_id, r.client_seq, r.author, r.time, {}, r.payload};
      list.push_back(wire::update_json(u));
      ++expect;
    }
    if (expect != kept) return nullptr;
  }
  std::vector<std::shared_ptr<const text_update>> ups;
  if (!doc_.text_updates_since(stream, expect, ups)) return nullptr;
  for (const auto& u : ups) list.push_back(wire::update_json(*u));
  return {{"from", from}, {"updates", std::move(list)}};
}

wire::message unit_authority::welcome(const hello_msg& hello, std::uint32_t user) {
  nlohmann::json members = nlohmann::json::array();
  nlohmann::json you;
  for (const auto& m : this->members()) {
    nlohmann::json mj{{"id", m.id}, {"name", m.name}, {"role", m.role}};
    if (m.id == user) you = mj;
    members.push_back(std::move(mj));
  }
  // Each field: the updates since the version the client has, or else the whole field (written
  // straight from its buffers), marked `reset` when the client had a copy that can no longer be caught up.
  std::string streams = "{";
  for (const auto& [id, s] : doc_.streams()) {
    if (streams.size() > 1) streams.push_back(',');
    streams += nlohmann::json(id).dump();
    streams.push_back(':');
    auto known = hello.streams.find(id);
    nlohmann::json entry;
    if (known != hello.streams.end() && known->second <= s.version) entry = catch_up(id, known->second);
    if (!entry.is_null()) streams += entry.dump();
    else doc_.append_stream_json(streams, id, known != hello.streams.end() ? R"(,"reset":true)" : "");
  }
  streams.push_back('}');
  // The template and the expertise list are the same for every welcome: spliced in already
  // serialized (copying and dumping the template was most of the cost of a join).
  if (expertise_text_.empty()) expertise_text_ = settings_.expertise_list.dump();
  std::string out = R"({"type":"welcome","unit":{"id":)";
  out += nlohmann::json(identity_.public_id).dump();
  out += R"(,"template":)";
  out += doc_.spec().source_text();
  out += R"(},"expertise":)";
  out += expertise_text_;
  out += R"(,"you":)";
  out += you.dump();
  out += R"(,"members":)";
  out += members.dump();
  out += R"(,"structure":)";
  out += doc_.structure_json().dump();
  out += R"(,"streams":)";
  out += streams;
  out += "}";
  return std::make_shared<const std::string>(std::move(out));
}

}  // namespace coplan::unit
