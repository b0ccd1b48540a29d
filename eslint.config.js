// Lint rules: typescript-eslint's type-aware recommended set, plus a few that catch
// the mistakes an admission controller cannot afford (floating promises, any leaks).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // testdata/**/projects: other tools' sample projects that write the parsers' fixtures.
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "bin/**", "**/testdata/**/projects/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ["*.js"] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      eqeqeq: ["error", "always"],
    },
  },
  {
    files: ["**/*.test.ts", "test/**/*.ts", "bench/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/require-await": "off",
    },
  },
  { files: ["*.js"], ...tseslint.configs.disableTypeChecked },
);
