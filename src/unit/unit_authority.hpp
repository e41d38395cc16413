// unit_authority: the single authority for one open unit. It owns the unit_doc and the list of
// subscribed clients; everything it holds is read and written on strand_ only. Pushes and
// commands are applied in memory, persisted through the group-commit op log writer, and
// acknowledged and broadcast only after their batch committed. Clients joining while commits are
// in flight wait for them, so nobody ever sees an update that is not durable.
#pragma once
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <mutex>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "store/op_log_writer.hpp"
#include "store/unit_store.hpp"
#include "unit/client_message.hpp"
#include "unit/unit_doc.hpp"
#include "unit/unit_subscriber.hpp"
#include "unit/wire.hpp"

namespace coplan::unit {

struct member_info {
  std::uint32_t id = 0;
  std::string name;
  std::string role;
};

struct authority_settings {
  std::uint64_t snapshot_every = 1000;         // ops between snapshots, at least
  // A large unit waits longer: until its ops since the last snapshot number at least that
  // snapshot's size in bytes divided by this (at most history_checkpoint ops). Serializing the
  // whole unit then costs a bounded amount per op however large the unit grows, and the tail an
  // open replays stays proportional to the snapshot it reads.
  std::uint64_t snapshot_bytes_per_op = 64;
  std::uint64_t history_checkpoint = 10'000;   // a snapshot is kept for history every this many ops
  std::set<std::string> expertise_areas;       // ids of templates/expertise.json
  nlohmann::json expertise_list = nlohmann::json::array();  // the same, with labels, for clients
  // Runs inside the transaction that stores a change of the unit's phase (the unit value "phase"),
  // with the unit's row id, the new phase and who changed it; the server opens the unit's
  // reflection with it when the phase becomes "reflect". Must not throw.
  std::function<void(store::database&, std::int64_t unit, const std::string& phase, std::uint32_t author)> on_phase;
};

struct unit_identity {
  std::int64_t id = 0;         // row id in units
  std::string public_id;       // id in URLs
  std::string title;
};

// What a unit is restored to from its snapshot and op log tail.
struct authority_state {
  unit_doc doc;
  std::map<std::string, std::uint64_t> last_command_seq;
  std::int64_t last_op_id = 0;
  std::uint64_t ops_at_snapshot = 0;
  bool closed = false;  // loaded from a snapshot marked closed (store::loaded_unit::closed)
  std::uint64_t snapshot_bytes = 0;  // size of the snapshot it was loaded from

  // Latest snapshot plus replay of the tail. Throws when the stored state is corrupt.
  static authority_state restore(std::shared_ptr<const template_spec> spec, unit_limits limits,
                                 const store::loaded_unit& loaded);
};

class unit_authority : public std::enable_shared_from_this<unit_authority> {
public:
  unit_authority(boost::asio::io_context::executor_type ex, unit_identity identity, authority_state state,
                 std::vector<member_info> members, store::op_log_writer& writer, store::unit_store& reader,
                 authority_settings settings);
  ~unit_authority();
  unit_authority(const unit_authority&) = delete;
  unit_authority& operator=(const unit_authority&) = delete;

  // Thread-safe entry points: each posts to strand_.
  void join(std::shared_ptr<unit_subscriber> sub, std::uint32_t user, hello_msg hello);
  void leave(unit_subscriber* sub);
  void handle(std::shared_ptr<unit_subscriber> sub, std::uint32_t user, client_message msg);

  // An edit made on the server's side for `author` (restoring a field from history): `make`
  // builds the change set from the field's current text. Waits until it is committed and
  // broadcast; returns the stream's new version. Blocking-pool threads only. Throws coded_error.
  std::uint64_t server_edit(const std::string& stream, std::function<text::change_set(const text::text_buffer&)> make,
                            std::uint32_t author);
  // A structure command made on the server's side for `author`; waits until committed.
  void server_command(const command& cmd, std::uint32_t author);

  // Runs f(const unit_doc&) on the strand (tests, analytics).
  void inspect(std::function<void(const unit_doc&)> f);
  // Runs f on the strand and waits for it. Only from threads outside the io threads (the blocking
  // pool, tests): waiting on an io thread could stall the strand it waits for.
  void run_and_wait(std::function<void(const unit_doc&)> f);

  // What the home page shows of an open unit; safe from any thread.
  struct summary {
    nlohmann::json values;               // unit values
    std::int64_t last_edit = 0;          // ms
    std::vector<std::uint32_t> online;   // users connected now
  };
  summary current_summary() const;
  std::vector<member_info> members() const;
  // A member joined the unit (an accepted invitation): tell everyone connected. Thread-safe.
  void add_member(member_info m);
  // The unit's members as the database has them now (a role changed, a member removed or added
  // from the command line): when the list changed, anyone connected who is no longer a member is
  // refused (not_a_member) and disconnected, and the others are told. Thread-safe.
  void set_members(std::vector<member_info> members);

  bool failed() const { return failed_.load(); }
  const unit_identity& identity() const { return identity_; }
  std::size_t subscriber_count() const { return subscriber_count_.load(); }

private:
  struct subscriber_entry {
    std::weak_ptr<unit_subscriber> sub;
    unit_subscriber* key = nullptr;
    std::uint32_t user = 0;
    std::string client_id;
    nlohmann::json presence;  // last presence the client sent, or null
  };
  struct deferred_message {
    std::shared_ptr<unit_subscriber> sub;
    std::uint32_t user;
    client_message msg;
  };

  void do_join(std::shared_ptr<unit_subscriber> sub, std::uint32_t user, hello_msg hello);
  void do_handle(std::shared_ptr<unit_subscriber> sub, std::uint32_t user, client_message msg);
  void do_push(const std::shared_ptr<unit_subscriber>& sub, std::uint32_t user, push_msg& m);
  void do_command(const std::shared_ptr<unit_subscriber>& sub, std::uint32_t user, command_msg& m);
  void do_presence(unit_subscriber* sub, presence_msg& m);
  void do_leave(unit_subscriber* sub);
  // Whether `user` may act in this unit now: in members_, with a role that may join units. Every
  // join and every message is checked, so a member removed or made coordinator is refused.
  bool may_act(std::uint32_t user) const;
  // Refuses a join or message of someone who is not (or no longer) a member: an error, then the
  // connection is closed; nothing changes.
  void refuse_non_member(const std::shared_ptr<unit_subscriber>& sub);
  void broadcast_members();
  // Persists accepted updates; once committed, broadcasts them, answers the pusher (if any and still
  // connected) with `pushed`, and calls `after` (if any) on the strand.
  void commit_text(std::string stream, std::vector<std::shared_ptr<const text_update>> accepted,
                   std::function<void(bool ok)> after, std::weak_ptr<unit_subscriber> pusher = {});
  void commit_command(std::shared_ptr<const structure_update> update, std::function<void(bool ok)> after);
  // Runs `change` now, or after the waiting joins are served.
  void when_no_joins_wait(std::function<void()> change);
  void after_commit(bool ok, std::int64_t last_id, std::size_t ops);
  void serve_waiting();
  // Delivers `answer` now, or once every commit in flight is durable.
  void answer_when_durable(const std::shared_ptr<unit_subscriber>& sub, wire::message answer);
  void maybe_snapshot();
  std::uint64_t ops_until_snapshot() const;  // ops after the last snapshot before the next is due
  bool past_checkpoint() const;  // a multiple of history_checkpoint ops passed since the last snapshot
  void fail_unit();
  void broadcast(const std::shared_ptr<const std::string>& message, unit_subscriber* except = nullptr);
  void schedule_online();
  void broadcast_online();
  wire::message welcome(const hello_msg& hello, std::uint32_t user);
  nlohmann::json catch_up(const std::string& stream, std::uint64_t from);
  store::snapshot_row snapshot_now() const;
  std::string snapshot_json() const;  // the unit's state and last command seqs, as JSON text

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  // Joins and leaves within online_delay share one "online" broadcast (a class of 30 arriving
  // at once would otherwise cost 30 × 30 messages).
  boost::asio::steady_timer online_timer_{strand_};
  bool online_pending_ = false;
  unit_identity identity_;                 // immutable
  std::vector<member_info> members_;       // guarded by summary_mutex_ (changed on strand_ only)
  std::string expertise_text_;  // settings_.expertise_list serialized, on first use
  store::op_log_writer& writer_;
  store::unit_store& reader_;
  authority_settings settings_;
  store::op_log_writer::failure_guard guard_;

  // Guarded by strand_:
  unit_doc doc_;
  std::vector<subscriber_entry> subs_;
  std::map<std::string, std::uint64_t> last_command_seq_;  // per client id, for resend de-duplication
  std::size_t pending_commits_ = 0;
  std::vector<deferred_message> waiting_joins_;
  std::deque<std::function<void()>> deferred_;  // changes waiting behind joins
  // Answers to re-sent pushes and commands already applied, held until every commit in flight is
  // durable: the client forgets what it re-sent on this answer, so it must not come before the commit.
  std::vector<std::pair<std::weak_ptr<unit_subscriber>, wire::message>> answers_after_commit_;
  std::int64_t last_op_id_ = 0;
  std::uint64_t ops_at_snapshot_ = 0;
  std::uint64_t snapshot_bytes_ = 0;  // size of the last snapshot this authority wrote
  bool snapshot_in_flight_ = false;
  const std::uint64_t ops_at_load_;  // doc_.total_ops() when loaded
  const bool loaded_closed_;         // loaded from a snapshot marked closed

  void update_summary(bool edited);
  mutable std::mutex summary_mutex_;
  summary summary_;  // guarded by summary_mutex_
  std::uint64_t summary_structure_version_ = 0;  // the structure version summary_.values is from; guarded by summary_mutex_

  std::atomic<bool> failed_{false};
  std::atomic<std::size_t> subscriber_count_{0};
};

}  // namespace coplan::unit
