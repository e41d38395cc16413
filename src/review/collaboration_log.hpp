// collaboration_log: a person's collaboration log (one row per unit they are a member of, built
// from the unit's record: values, lessons, tags, the contribution figures and the agreed facet of
// its reflection), the totals of the annual report, the log as CSV (RFC 4180), and the counts a
// coordinator may see for their schools. Nothing here reads a unit's texts, comments, reflection
// answers or student notes, so no report can carry them. Thread-safe (calls the thread-safe stores).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "review/history_service.hpp"
#include "store/account_store.hpp"
#include "store/store.hpp"
#include "unit/unit_registry.hpp"

namespace coplan::review {

struct log_filters {
  std::string year;         // school year "2024-25"; empty: every year
  std::string grade;        // exact grade; empty: every grade
  std::string subject;      // exact subject (case-insensitive); empty: every subject
  std::int64_t partner = 0; // a user who must be a member of the unit; 0: anyone
};

class collaboration_log {
public:
  collaboration_log(store::store& db, store::account_store& accounts, unit::unit_registry& registry, history_service& history);

  // {"rows": [row…], "totals": {…}, "options": {"years","grades","subjects","partners"}} for the
  // units `viewer` is a member of, newest first; options come from all of them, rows and totals
  // from those that pass `filters`.
  nlohmann::json log(const store::user_record& viewer, const log_filters& filters);
  // Counts only, per school assigned to `coordinator` (an administrator: every school) and over
  // all of them: never titles, names, texts, reflections or notes.
  nlohmann::json coordinator_summary(const store::user_record& coordinator);

  // The log's rows as CSV (RFC 4180: CRLF line ends, a header row, fields quoted when needed),
  // UTF-8 with a byte-order mark so spreadsheets read accented names.
  static std::string to_csv(const nlohmann::json& log);
  // The school year a date (YYYY-MM-DD) falls in, years starting on 1 August: "2024-25".
  static std::string school_year(const std::string& date);
  // Totals over rows (the annual report's figures).
  static nlohmann::json totals_of(const nlohmann::json& rows);

private:
  nlohmann::json row_of(const store::unit_record& unit);
  std::string agreed_facet(std::int64_t unit_id);

  store::store& db_;
  store::account_store& accounts_;
  unit::unit_registry& registry_;
  history_service& history_;
};

}  // namespace coplan::review
