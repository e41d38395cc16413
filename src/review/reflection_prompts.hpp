// reflection_prompts: chooses a member's reflection prompts — the chosen protocol's, then those
// the prompt bank ties to conditions on this unit's record (with the bank's thresholds) and to
// that protocol (or to any) — with the unit's own values filled in; and suggests the facet of
// collaboration (Montiel-Overall) the record points to (by the bank's facet_suggestion rules),
// with reasons. Pure: the prompt bank, a contribution report and the unit in; JSON out.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "unit/unit_doc.hpp"

namespace coplan::review {

class reflection_prompts {
public:
  // Throws prompt_bank_error (naming the prompt or rule) when the bank (templates/reflection.json)
  // is not usable: no default unit protocol; a record prompt without text, without a protocol
  // ("any" or the id of a unit protocol), or whose condition is not {"when": a known condition,
  // each of its parameters (thresholds) within range, nothing else}; facet_suggestion rules that
  // name an unknown facet or measure, or whose last rule does not hold for every unit. choose()
  // and suggest_facet() expect a checked bank.
  static void check_bank(const nlohmann::json& bank);
  // The protocol a unit reflection starts with when the unit enters the reflect phase.
  static std::string default_protocol(const nlohmann::json& bank);
  // [{"id","text","action","source":"protocol"|"record"}]: the protocol's prompts, then the record
  // prompts of that protocol or of "any" whose condition holds. Throws coded_error("unknown_protocol").
  static nlohmann::json choose(const nlohmann::json& bank, const std::string& protocol, const nlohmann::json& report,
                               const unit::unit_doc& doc, std::uint32_t viewer, const std::string& lesson_title = "");
  // {"facet","label","reasons":[...],"figures":{...}}: the facet of the bank's first
  // facet_suggestion rule the record meets. `integrated_before`: earlier units of the partnership
  // whose partners agreed on integrated instruction or more.
  static nlohmann::json suggest_facet(const nlohmann::json& bank, const nlohmann::json& report, int integrated_before);
};

}  // namespace coplan::review
