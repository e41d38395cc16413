// The co-assess check for text that seems to name students: names mid-sentence and names with an
// initial are caught; sentence starts, school words, months and standards codes are not.
import { describe, expect, it } from "vitest";
import { possibleStudentNames } from "../../web/src/ui/student-names";

describe("possibleStudentNames", () => {
  it("finds names in co-assess text", () => {
    expect(possibleStudentNames("Most groups cited two sources; Sam K. needed help.")).toEqual(["Sam"]);
    expect(possibleStudentNames("The work from Maria and Jo-Ann was strong.")).toEqual(["Maria", "Jo-Ann"]);
    expect(possibleStudentNames("Overall fine. Leo's poster was late.")).toEqual(["Leo"]);
  });
  it("leaves plain counts and school words alone", () => {
    expect(possibleStudentNames("21 of 24 students met expectations. Research logs showed growth in Science.")).toEqual([]);
    expect(possibleStudentNames("We taught in October with the AASL codes in mind.\nNext time: more time in the Library.")).toEqual([]);
  });
});
