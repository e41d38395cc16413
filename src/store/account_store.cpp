// Accounts, sessions, partnerships and units in SQLite (see account_store.hpp).
#include "store/account_store.hpp"

#include <algorithm>
#include <chrono>

namespace coplan::store {

namespace {

// The roles that may be members of units (may_join_units), as SQL: the other roles never see a
// unit, even with a row in unit_members.
constexpr const char* unit_roles_sql = "('librarian', 'teacher')";

constexpr const char* user_columns = "id, username, display_name, role, password_hash, coalesce(school_id, 0), disabled";

// A user from the row's user_columns, starting at column `first`.
user_record user_of(const statement& st, int first = 0) {
  return user_record{st.int64(first),     st.text(first + 1),  st.text(first + 2),          st.text(first + 3),
                     st.text(first + 4),  st.int64(first + 5), st.int64(first + 6) != 0, 0};
}

}  // namespace

bool account_store::may_join_units(const std::string& role) { return role == "librarian" || role == "teacher"; }

std::int64_t account_store::create_user(const std::string& username, const std::string& display_name,
                                        const std::string& role, const std::string& password_hash) {
  auto db = store_.borrow();
  auto st = db->prepare(
      "INSERT INTO users(username, display_name, role, password_hash, created_at) "
      "VALUES (?,?,?,?,unixepoch()*1000)");
  st.bind(1, username).bind(2, display_name).bind(3, role).bind(4, password_hash);
  st.run();
  return db->last_insert_rowid();
}

std::optional<user_record> account_store::user_by_name(const std::string& username) {
  auto db = store_.borrow();
  auto st = db->prepare(std::string("SELECT ") + user_columns + " FROM users WHERE username = ?");
  st.bind(1, username);
  if (!st.step()) return std::nullopt;
  return user_of(st);
}

std::optional<user_record> account_store::user_by_id(std::int64_t id) {
  auto db = store_.borrow();
  auto st = db->prepare(std::string("SELECT ") + user_columns + " FROM users WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return user_of(st);
}

std::int64_t account_store::user_count() {
  auto db = store_.borrow();
  auto st = db->prepare("SELECT count(*) FROM users");
  st.step();
  return st.int64(0);
}

std::vector<user_record> account_store::all_users() {
  auto db = store_.borrow();
  auto st = db->prepare(std::string("SELECT ") + user_columns + " FROM users ORDER BY id");
  std::vector<user_record> out;
  while (st.step()) {
    out.push_back(user_of(st));
    out.back().password_hash.clear();
  }
  return out;
}

void account_store::set_password(std::int64_t user_id, const std::string& password_hash) {
  auto db = store_.borrow();
  auto st = db->prepare("UPDATE users SET password_hash = ? WHERE id = ?");
  st.bind(1, password_hash).bind(2, user_id);
  st.run();
}

void account_store::set_role(std::int64_t user_id, const std::string& role) {
  auto db = store_.borrow();
  auto st = db->prepare("UPDATE users SET role = ? WHERE id = ?");
  st.bind(1, role).bind(2, user_id);
  st.run();
}

void account_store::set_disabled(std::int64_t user_id, bool disabled) {
  auto db = store_.borrow();
  auto st = db->prepare("UPDATE users SET disabled = ? WHERE id = ?");
  st.bind(1, disabled ? 1 : 0).bind(2, user_id);
  st.run();
}

void account_store::delete_sessions_of(std::int64_t user_id) {
  auto db = store_.borrow();
  auto st = db->prepare("DELETE FROM sessions WHERE user_id = ?");
  st.bind(1, user_id);
  st.run();
}

std::int64_t account_store::create_school(const std::string& name) {
  auto db = store_.borrow();
  auto st = db->prepare("INSERT INTO schools(name) VALUES (?) ON CONFLICT(name) DO UPDATE SET name = excluded.name RETURNING id");
  st.bind(1, name);
  st.step();
  auto id = st.int64(0);
  st.reset();
  return id;
}

std::vector<std::pair<std::int64_t, std::string>> account_store::schools() {
  auto db = store_.borrow();
  auto st = db->prepare("SELECT id, name FROM schools ORDER BY name");
  std::vector<std::pair<std::int64_t, std::string>> out;
  while (st.step()) out.emplace_back(st.int64(0), st.text(1));
  return out;
}

void account_store::set_user_school(std::int64_t user_id, std::int64_t school_id) {
  auto db = store_.borrow();
  auto st = db->prepare("UPDATE users SET school_id = ? WHERE id = ?");
  if (school_id) st.bind(1, school_id);
  else st.bind_null(1);
  st.bind(2, user_id);
  st.run();
}

void account_store::assign_coordinator(std::int64_t user_id, std::int64_t school_id) {
  auto db = store_.borrow();
  auto st = db->prepare("INSERT OR IGNORE INTO coordinator_schools(user_id, school_id) VALUES (?,?)");
  st.bind(1, user_id).bind(2, school_id);
  st.run();
}

std::vector<std::int64_t> account_store::coordinator_schools(std::int64_t user_id) {
  auto db = store_.borrow();
  auto st = db->prepare("SELECT school_id FROM coordinator_schools WHERE user_id = ? ORDER BY school_id");
  st.bind(1, user_id);
  std::vector<std::int64_t> out;
  while (st.step()) out.push_back(st.int64(0));
  return out;
}

void account_store::create_invitation(const std::string& token_hash, std::int64_t unit_id, const std::string& role,
                                      std::int64_t by, std::int64_t now, std::int64_t expires_at) {
  auto db = store_.borrow();
  auto st = db->prepare(
      "INSERT INTO invitations(token_hash, unit_id, role, created_by, created_at, expires_at) VALUES (?,?,?,?,?,?)");
  st.bind_blob(1, token_hash.data(), token_hash.size()).bind(2, unit_id).bind(3, role).bind(4, by).bind(5, now).bind(6, expires_at);
  st.run();
}

std::optional<invitation_record> account_store::invitation(const std::string& token_hash) {
  auto db = store_.borrow();
  auto st = db->prepare("SELECT unit_id, role, created_by, expires_at, coalesce(used_at, 0) FROM invitations WHERE token_hash = ?");
  st.bind_blob(1, token_hash.data(), token_hash.size());
  if (!st.step()) return std::nullopt;
  return invitation_record{st.int64(0), st.text(1), st.int64(2), st.int64(3), st.int64(4)};
}

bool account_store::use_invitation(const std::string& token_hash, std::int64_t user, std::int64_t now) {
  auto db = store_.borrow();
  bool used = false;
  in_transaction(*db, [&] {
    auto st = db->prepare(
        "UPDATE invitations SET used_at = ?, used_by = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? "
        "RETURNING unit_id");
    st.bind(1, now).bind(2, user).bind_blob(3, token_hash.data(), token_hash.size()).bind(4, now);
    if (!st.step()) return;
    auto unit = st.int64(0);
    st.reset();
    auto add = db->prepare("INSERT OR IGNORE INTO unit_members(unit_id, user_id) VALUES (?,?)");
    add.bind(1, unit).bind(2, user);
    add.run();
    used = true;
  });
  return used;
}

void account_store::add_unit_member(std::int64_t unit_id, std::int64_t user_id) {
  auto db = store_.borrow();
  auto st = db->prepare("INSERT OR IGNORE INTO unit_members(unit_id, user_id) VALUES (?,?)");
  st.bind(1, unit_id).bind(2, user_id);
  st.run();
}

void account_store::audit(std::int64_t user_id, const std::string& username, const std::string& action,
                          const std::string& detail_json, const std::string& address) {
  auto db = store_.borrow();
  auto st = db->prepare("INSERT INTO audit_log(time, user_id, username, action, detail, address) VALUES (?, ?, ?, ?, ?, ?)");
  st.bind(1, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  if (user_id) st.bind(2, user_id);
  else st.bind_null(2);
  st.bind(3, username).bind(4, action).bind(5, detail_json).bind(6, address);
  st.run();
}

std::vector<audit_entry> account_store::audit_log(std::size_t limit, std::int64_t before_id) {
  auto db = store_.borrow();
  auto st = db->prepare("SELECT id, time, coalesce(user_id, 0), coalesce(username, ''), action, detail, coalesce(address, '') "
                        "FROM audit_log WHERE (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?");
  st.bind(1, before_id).bind(2, before_id).bind(3, static_cast<std::int64_t>(limit));
  std::vector<audit_entry> out;
  while (st.step())
    out.push_back({st.int64(0), st.int64(1), st.int64(2), st.text(3), st.text(4), st.text(5), st.text(6)});
  return out;
}

void account_store::create_session(const std::string& token_hash, std::int64_t user_id, std::int64_t now,
                                   std::int64_t expires_at) {
  auto db = store_.borrow();
  auto st = db->prepare("INSERT INTO sessions(token_hash, user_id, created_at, expires_at) VALUES (?,?,?,?)");
  st.bind_blob(1, token_hash.data(), token_hash.size()).bind(2, user_id).bind(3, now).bind(4, expires_at);
  st.run();
  auto purge = db->prepare("DELETE FROM sessions WHERE expires_at <= ?");
  purge.bind(1, now);
  purge.run();
}

std::set<std::string> account_store::live_sessions(const std::vector<std::string>& token_hashes, std::int64_t now) {
  std::set<std::string> out;
  constexpr std::size_t chunk = 500;  // SQLite's limit on parameters is far above this
  auto db = store_.borrow();
  for (std::size_t from = 0; from < token_hashes.size(); from += chunk) {
    auto n = std::min(chunk, token_hashes.size() - from);
    std::string sql =
        "SELECT s.token_hash FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.expires_at > ? AND u.disabled = 0 AND s.token_hash IN (?";
    for (std::size_t i = 1; i < n; ++i) sql += ",?";
    sql += ")";
    auto st = db->prepare(sql);
    st.bind(1, now);
    for (std::size_t i = 0; i < n; ++i)
      st.bind_blob(static_cast<int>(i) + 2, token_hashes[from + i].data(), token_hashes[from + i].size());
    while (st.step()) {
      auto b = st.blob(0);
      out.emplace(b.begin(), b.end());
    }
  }
  return out;
}

std::optional<user_record> account_store::session_user(const std::string& token_hash, std::int64_t now) {
  auto db = store_.borrow();
  auto st = db->prepare(
      "SELECT u.id, u.username, u.display_name, u.role, u.password_hash, coalesce(u.school_id, 0), u.disabled, s.expires_at "
      "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0");
  st.bind_blob(1, token_hash.data(), token_hash.size()).bind(2, now);
  if (!st.step()) return std::nullopt;
  auto u = user_of(st);
  u.session_expires = st.int64(7);
  return u;
}

void account_store::delete_session(const std::string& token_hash) {
  auto db = store_.borrow();
  auto st = db->prepare("DELETE FROM sessions WHERE token_hash = ?");
  st.bind_blob(1, token_hash.data(), token_hash.size());
  st.run();
}

std::int64_t account_store::create_partnership(const std::string& name, const std::vector<std::int64_t>& members) {
  auto db = store_.borrow();
  std::int64_t id = 0;
  in_transaction(*db, [&] {
    auto st = db->prepare("INSERT INTO partnerships(name, created_at) VALUES (?, unixepoch()*1000)");
    st.bind(1, name);
    st.run();
    id = db->last_insert_rowid();
    auto add = db->prepare("INSERT INTO partnership_members(partnership_id, user_id) VALUES (?,?)");
    for (auto m : members) {
      add.bind(1, id).bind(2, m);
      add.run();
    }
  });
  return id;
}

std::int64_t account_store::create_unit(const std::string& public_id, std::int64_t partnership_id,
                                        const std::string& template_id, const std::string& title,
                                        std::int64_t created_by, const std::vector<std::int64_t>& members,
                                        const std::string& initial_state, std::int64_t now, std::int64_t copied_from) {
  auto db = store_.borrow();
  std::int64_t id = 0;
  in_transaction(*db, [&] {
    auto st = db->prepare(
        "INSERT INTO units(public_id, partnership_id, template, title, created_by, created_at, copied_from) "
        "VALUES (?,?,?,?,?,?,?)");
    st.bind(1, public_id).bind(2, partnership_id).bind(3, template_id).bind(4, title).bind(5, created_by).bind(6, now);
    if (copied_from) st.bind(7, copied_from);
    else st.bind_null(7);
    st.run();
    id = db->last_insert_rowid();
    auto add = db->prepare("INSERT INTO unit_members(unit_id, user_id) VALUES (?,?)");
    for (auto m : members) {
      add.bind(1, id).bind(2, m);
      add.run();
    }
    // The first snapshot starts after every op already in the log, so loading never scans them.
    auto snap = db->prepare(
        "INSERT INTO snapshots(unit_id, upto_op, ops, created_at, data, keep) "
        "VALUES (?, (SELECT coalesce(max(id), 0) FROM oplog), 0, ?, ?, 1)");
    snap.bind(1, id).bind(2, now).bind(3, initial_state);
    snap.run();
  });
  return id;
}

namespace {

// Columns of a unit_record, with the latest snapshot's time and values.
constexpr const char* unit_columns =
    "u.id, u.public_id, u.partnership_id, u.template, u.title, u.created_at, u.archived, "
    "(SELECT s.created_at FROM snapshots s WHERE s.unit_id = u.id ORDER BY s.id DESC LIMIT 1), "
    "(SELECT json_extract(s.data, '$.structure.values') FROM snapshots s WHERE s.unit_id = u.id ORDER BY s.id DESC LIMIT 1), "
    "(SELECT c.public_id FROM units c WHERE c.id = u.copied_from)";

unit_record unit_of(const statement& st) {
  return unit_record{st.int64(0), st.text(1),         st.int64(2), st.text(3), st.text(4),
                     st.int64(5), st.int64(6) != 0, st.int64(7), st.text(8), st.text(9)};
}

}  // namespace

std::optional<unit_record> account_store::unit_by_public_id(const std::string& public_id) {
  auto db = store_.borrow();
  auto st = db->prepare(std::string("SELECT ") + unit_columns + " FROM units u WHERE u.public_id = ?");
  st.bind(1, public_id);
  if (!st.step()) return std::nullopt;
  return unit_of(st);
}

std::vector<unit_record> account_store::units_for_user(std::int64_t user_id) {
  auto db = store_.borrow();
  auto st = db->prepare(std::string("SELECT ") + unit_columns +
                        " FROM units u JOIN unit_members m ON m.unit_id = u.id JOIN users r ON r.id = m.user_id "
                        "WHERE m.user_id = ? AND r.role IN " + unit_roles_sql + " ORDER BY u.created_at DESC, u.id DESC");
  st.bind(1, user_id);
  std::vector<unit_record> out;
  while (st.step()) out.push_back(unit_of(st));
  return out;
}

std::vector<unit_record> account_store::units_for_school(std::int64_t school_id) {
  auto db = store_.borrow();
  auto st = db->prepare(std::string("SELECT ") + unit_columns +
                        " FROM units u WHERE u.id IN (SELECT m.unit_id FROM unit_members m JOIN users s ON s.id = m.user_id "
                        "WHERE s.school_id = ? AND s.role IN " + unit_roles_sql + ") ORDER BY u.created_at, u.id");
  st.bind(1, school_id);
  std::vector<unit_record> out;
  while (st.step()) out.push_back(unit_of(st));
  return out;
}

std::vector<partnership_record> account_store::partnerships_for_user(std::int64_t user_id) {
  std::vector<std::int64_t> ids;
  {
    auto db = store_.borrow();
    auto st = db->prepare("SELECT partnership_id FROM partnership_members WHERE user_id = ? ORDER BY partnership_id");
    st.bind(1, user_id);
    while (st.step()) ids.push_back(st.int64(0));
  }
  std::vector<partnership_record> out;
  for (auto id : ids)
    if (auto p = partnership(id)) out.push_back(std::move(*p));
  return out;
}

std::optional<partnership_record> account_store::partnership(std::int64_t id) {
  auto db = store_.borrow();
  auto st = db->prepare("SELECT id, name FROM partnerships WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  partnership_record p{st.int64(0), st.text(1), {}};
  auto ms = db->prepare(
      "SELECT u.id, u.username, u.display_name, u.role, '', coalesce(u.school_id, 0), u.disabled FROM users u "
      "JOIN partnership_members m ON m.user_id = u.id WHERE m.partnership_id = ? ORDER BY u.id");
  ms.bind(1, id);
  while (ms.step()) p.members.push_back(user_of(ms));
  return p;
}

bool account_store::is_member(std::int64_t unit_id, std::int64_t user_id) {
  auto db = store_.borrow();
  auto st = db->prepare(std::string("SELECT 1 FROM unit_members m JOIN users u ON u.id = m.user_id "
                                    "WHERE m.unit_id = ? AND m.user_id = ? AND u.role IN ") + unit_roles_sql);
  st.bind(1, unit_id).bind(2, user_id);
  return st.step();
}

std::vector<user_record> account_store::unit_members(std::int64_t unit_id) {
  return std::move(members_of_units({unit_id})[unit_id]);
}

std::map<std::int64_t, std::vector<user_record>> account_store::members_of_units(const std::vector<std::int64_t>& unit_ids) {
  std::map<std::int64_t, std::vector<user_record>> out;
  if (unit_ids.empty()) return out;
  for (auto id : unit_ids) out[id];  // a unit left with no member is in the answer too
  auto list = std::string("[");
  for (auto id : unit_ids) list += (list.size() > 1 ? "," : "") + std::to_string(id);
  list += "]";
  auto db = store_.borrow();
  auto st = db->prepare(std::string(
      "SELECT m.unit_id, u.id, u.username, u.display_name, u.role, '', coalesce(u.school_id, 0), u.disabled FROM users u "
      "JOIN unit_members m ON m.user_id = u.id WHERE m.unit_id IN (SELECT value FROM json_each(?)) AND u.role IN ") +
      unit_roles_sql + " ORDER BY m.unit_id, u.id");
  st.bind(1, list);
  while (st.step())
    out[st.int64(0)].push_back(user_of(st, 1));
  return out;
}

void account_store::set_archived(std::int64_t unit_id, bool archived) {
  auto db = store_.borrow();
  auto st = db->prepare("UPDATE units SET archived = ? WHERE id = ?");
  st.bind(1, archived ? 1 : 0).bind(2, unit_id);
  st.run();
}

void account_store::set_unit_title(std::int64_t unit_id, const std::string& title) {
  auto db = store_.borrow();
  auto st = db->prepare("UPDATE units SET title = ? WHERE id = ?");
  st.bind(1, title).bind(2, unit_id);
  st.run();
}

}  // namespace coplan::store
