// reflection_service: reflections after a unit and check-ins after a lesson. A unit's reflection
// opens, with the default protocol, when the unit enters the reflect phase; its protocol can change
// until a member answers. Each member answers privately; nobody sees another member's answers or
// rating until every member (of the unit now) has submitted. Then the submitted answers are shown
// side by side with the facet the record suggests, members agree on one facet, and each line of an
// action prompt ("Now what?") becomes an action item that shows up in the partnership's units made
// after this one (and in its copy); a lesson check-in's items show in its own unit too. Stored in
// SQLite (reflections, reflection_answers, action_items); never sent over the unit WebSocket.
// Thread-safe (each call uses its own connection).
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "review/history_service.hpp"
#include "store/account_store.hpp"
#include "store/store.hpp"
#include "unit/unit_registry.hpp"

namespace coplan::review {

class reflection_service {
public:
  // Throws prompt_bank_error when the prompt bank (templates/reflection.json) is not usable.
  reflection_service(store::store& db, unit::unit_registry& registry, history_service& history);

  // When `phase` is "reflect" and the unit has no reflection yet, opens it with the bank's default
  // protocol (made by `author`, else by whoever made the unit); otherwise does nothing. Runs inside
  // the transaction that stores the phase change (unit::authority_settings::on_phase). Never throws.
  static void open_on_phase(store::database& db, const nlohmann::json& bank, std::int64_t unit_id, const std::string& phase,
                            std::uint32_t author) noexcept;

  // Every reflection of the unit, as `viewer` may see it.
  nlohmann::json list(const store::unit_record& unit, std::uint32_t viewer);
  // Starts a reflection (kind "unit": at most one; "checkin": one per lesson). Throws coded_error.
  nlohmann::json start(const store::unit_record& unit, std::uint32_t viewer, const std::string& kind,
                       const std::string& protocol, const std::string& lesson);
  // Changes the protocol of a reflection nobody has answered yet (no answer, evidence, rating or
  // submission from any member); members' prompts are chosen again. Throws coded_error
  // ("already_answered", "unknown_protocol").
  nlohmann::json change_protocol(const store::unit_record& unit, std::int64_t reflection, std::uint32_t viewer,
                                 const std::string& protocol);
  // Saves the viewer's draft answers (and private facet rating) until they submit. `protocol` (and,
  // unless null, `prompts`: the prompt ids in order) is what the caller answered under; when the
  // reflection's protocol or the viewer's prompts are no longer those, nothing is saved and it
  // throws coded_error "protocol_changed" (also "unknown_evidence", "already_submitted",
  // "bad_request", ...).
  nlohmann::json save(const store::unit_record& unit, std::int64_t reflection, std::uint32_t viewer, const std::string& protocol,
                      const nlohmann::json& prompts, const nlohmann::json& answers, const nlohmann::json& facet);
  nlohmann::json submit(const store::unit_record& unit, std::int64_t reflection, std::uint32_t viewer);
  // After the reveal: the facet the viewer proposes; agreed when every member proposes the same.
  nlohmann::json agree(const store::unit_record& unit, std::int64_t reflection, std::uint32_t viewer,
                       const std::string& facet);
  // Open action items from the partnership's units made before this one (and from the unit this
  // one was copied from), those of this unit's own lesson check-ins, and those already marked done
  // in this unit: a unit made before the reflected one never shows its items, and a unit's own
  // end-of-unit reflection's items go only to later units.
  nlohmann::json action_items(const store::unit_record& unit);
  void set_action_done(const store::unit_record& unit, std::int64_t item, bool done);

private:
  nlohmann::json view(const store::unit_record& unit, std::int64_t reflection, std::uint32_t viewer);
  nlohmann::json report_for(const store::unit_record& unit);
  std::vector<std::uint32_t> members_of(const store::unit_record& unit);
  void reveal(const store::unit_record& unit, std::int64_t reflection);
  // Throws coded_error("unknown_evidence") when an answer's evidence (answers as save() cleaned
  // them) cites a section the unit's template does not have, a block the unit never had, or an
  // edit past the unit's last.
  void check_evidence(const store::unit_record& unit, const nlohmann::json& answers);
  const nlohmann::json* find_protocol(const std::string& protocol) const;
  bool known_protocol(const std::string& kind, const std::string& protocol) const;

  store::store& db_;
  unit::unit_registry& registry_;
  history_service& history_;
};

}  // namespace coplan::review
