// Sample project for golive's JUnit fixtures: pass, fail, skip and todo in Jest.
const premium = (base, rate) => Math.round(base * rate * 100) / 100;

describe("premium", () => {
  test("passes", () => expect(premium(100, 1.5)).toBe(150));
  test("rounding fails", () => expect(premium(10.005, 1)).toBe(10.02));
  test.skip("quote pdf is skipped", () => {});
  test.todo("renewal discount is todo");
});
