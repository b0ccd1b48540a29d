import { describe, expect, it } from "vitest";
import { parseErrorOf } from "./test-helpers.js";
import { checkXmlStructure, decodeXmlEntities } from "./xml-safety.js";

describe("decodeXmlEntities", () => {
  it("decodes the predefined entities and character references, and nothing else", () => {
    expect(decodeXmlEntities("a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#65;&#x42; &#128512;")).toBe(`a <b> & "c" 'd' AB 😀`);
    // XML allows only a lower-case x in hexadecimal references.
    expect(decodeXmlEntities("&#X43;")).toBe("&#X43;");
    expect(decodeXmlEntities("&xxe; &lol9; &amp")).toBe("&xxe; &lol9; &amp");
    expect(decodeXmlEntities("&#0; &#x110000;")).toBe("\uFFFD \uFFFD");
    expect(decodeXmlEntities("&amp;lt;")).toBe("&lt;");
  });
});

describe("checkXmlStructure", () => {
  it("ignores markup-like text in attribute values, comments, CDATA and processing instructions", () => {
    const xml = `<?xml version="1.0"?><?pi <a><a><a>?><r a="x > <y" b='<z>'><!-- <a><a><a> --><![CDATA[<a><a><a>]]><e/></r>`;
    expect(() => checkXmlStructure(xml, 2, "junit")).not.toThrow();
    expect(() => checkXmlStructure("<r><a><b/></a></r>", 2, "junit")).not.toThrow();
    expect(() => checkXmlStructure("<r><a><b></b></a></r>", 2, "junit")).toThrow(/deeper than 2 levels at line 1/);
  });

  it("finds declarations in any letter case and reports their line", () => {
    expect(parseErrorOf(() => checkXmlStructure("<r/>\n\n<!doctype r>", 64, "junit")).message).toMatch(/^JUnit XML: <!DOCTYPE> declaration at line 3 is not allowed/);
    expect(parseErrorOf(() => checkXmlStructure('<r/><!ATTLIST r a CDATA "x">', 64, "junit")).message).toMatch(/<!ATTLIST> declaration at line 1/);
  });
});
