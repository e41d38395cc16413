// account_store: users, sign-in sessions, partnerships, units and memberships in SQLite.
// Every query is a prepared statement; connections come from the store's pool.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace coplan::store {

struct user_record {
  std::int64_t id = 0;
  std::string username;
  std::string display_name;
  std::string role;  // librarian | teacher | coordinator | admin
  std::string password_hash;
  std::int64_t school_id = 0;
  bool disabled = false;
  std::int64_t session_expires = 0;  // set by session_user()
};

struct invitation_record {
  std::int64_t unit_id = 0;
  std::string role;
  std::int64_t created_by = 0;
  std::int64_t expires_at = 0;
  std::int64_t used_at = 0;
};

struct audit_entry {
  std::int64_t id = 0;
  std::int64_t time = 0;
  std::int64_t user_id = 0;
  std::string username;
  std::string action;
  std::string detail;  // JSON
  std::string address;
};

struct unit_record {
  std::int64_t id = 0;
  std::string public_id;
  std::int64_t partnership_id = 0;
  std::string template_id;
  std::string title;
  std::int64_t created_at = 0;
  bool archived = false;
  std::int64_t last_edit = 0;  // time of the latest snapshot (live units report their own)
  std::string values_json;     // unit values in the latest snapshot (JSON object)
  std::string copied_from;     // public id of the unit this one was copied from, if any
};

struct partnership_record {
  std::int64_t id = 0;
  std::string name;
  std::vector<user_record> members;
};

class account_store {
public:
  explicit account_store(store& s) : store_(s) {}

  // Only librarians and teachers are members of units: every membership query below (is_member,
  // unit_members, units_for_user, …) leaves out a user of another role, even one with a row in
  // unit_members (a teacher later made coordinator or administrator sees no unit at all).
  static bool may_join_units(const std::string& role);

  std::int64_t create_user(const std::string& username, const std::string& display_name, const std::string& role,
                           const std::string& password_hash);
  std::optional<user_record> user_by_name(const std::string& username);
  std::optional<user_record> user_by_id(std::int64_t id);
  std::int64_t user_count();
  std::vector<user_record> all_users();
  void set_password(std::int64_t user_id, const std::string& password_hash);
  void set_role(std::int64_t user_id, const std::string& role);
  void set_disabled(std::int64_t user_id, bool disabled);
  void delete_sessions_of(std::int64_t user_id);

  std::int64_t create_school(const std::string& name);
  std::vector<std::pair<std::int64_t, std::string>> schools();
  void set_user_school(std::int64_t user_id, std::int64_t school_id);
  void assign_coordinator(std::int64_t user_id, std::int64_t school_id);
  std::vector<std::int64_t> coordinator_schools(std::int64_t user_id);

  void create_invitation(const std::string& token_hash, std::int64_t unit_id, const std::string& role, std::int64_t by,
                         std::int64_t now, std::int64_t expires_at);
  std::optional<invitation_record> invitation(const std::string& token_hash);
  // Marks the invitation used by `user` and adds them to its unit, once: false when it was used,
  // has expired, or does not exist.
  bool use_invitation(const std::string& token_hash, std::int64_t user, std::int64_t now);
  void add_unit_member(std::int64_t unit_id, std::int64_t user_id);

  void audit(std::int64_t user_id, const std::string& username, const std::string& action, const std::string& detail_json,
             const std::string& address);
  std::vector<audit_entry> audit_log(std::size_t limit, std::int64_t before_id = 0);

  void create_session(const std::string& token_hash, std::int64_t user_id, std::int64_t now, std::int64_t expires_at);
  std::optional<user_record> session_user(const std::string& token_hash, std::int64_t now);
  void delete_session(const std::string& token_hash);
  // Which of `token_hashes` are still valid sessions (not deleted, not expired, account not
  // disabled): one query for up to 500 of them.
  std::set<std::string> live_sessions(const std::vector<std::string>& token_hashes, std::int64_t now);

  std::int64_t create_partnership(const std::string& name, const std::vector<std::int64_t>& members);
  std::vector<partnership_record> partnerships_for_user(std::int64_t user_id);
  std::optional<partnership_record> partnership(std::int64_t id);
  // Creates the unit, its members and its first snapshot (`initial_state`) in one transaction.
  std::int64_t create_unit(const std::string& public_id, std::int64_t partnership_id, const std::string& template_id,
                           const std::string& title, std::int64_t created_by, const std::vector<std::int64_t>& members,
                           const std::string& initial_state, std::int64_t now, std::int64_t copied_from = 0);
  std::optional<unit_record> unit_by_public_id(const std::string& public_id);
  std::vector<unit_record> units_for_user(std::int64_t user_id);
  // Units with at least one member whose school is `school_id` (for a coordinator's counts).
  std::vector<unit_record> units_for_school(std::int64_t school_id);
  bool is_member(std::int64_t unit_id, std::int64_t user_id);
  std::vector<user_record> unit_members(std::int64_t unit_id);
  // unit_members of several units in one query (every id asked for is a key of the answer).
  std::map<std::int64_t, std::vector<user_record>> members_of_units(const std::vector<std::int64_t>& unit_ids);
  void set_unit_title(std::int64_t unit_id, const std::string& title);
  void set_archived(std::int64_t unit_id, bool archived);

private:
  store& store_;
};

}  // namespace coplan::store
