import eslint from '@eslint/js';
import n8nCommunityNodes from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ ignores: ['dist/**', 'build/**', 'node_modules/**', 'coverage/**'] },
	{
		files: ['**/*.ts'],
		extends: [eslint.configs.recommended, tseslint.configs.recommended],
		rules: {
			'prefer-spread': 'off',
		},
	},
	{
		files: ['**/*.js'],
		extends: [eslint.configs.recommended],
		languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', exports: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
	},
	{
		files: ['package.json'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		languageOptions: { parser: tseslint.parser, parserOptions: { extraFileExtensions: ['.json'] } },
		rules: {
			...n8nNodesBase.configs.community.rules,
		},
	},
	{
		files: ['credentials/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// The rule wants a lower-case URL path; Scantrust's documentation URL is what it is.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			// These rules predate NodeConnectionTypes and flag the current way of declaring inputs/outputs.
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
		},
	},
	{
		// For self-hosted n8n (package.json: "strict": false): it needs zlib, crypto and a CSV library.
		files: ['credentials/**/*.ts', 'nodes/**/*.ts', 'package.json'],
		...n8nCommunityNodes.configs.recommendedWithoutN8nCloudSupport,
		rules: {
			...n8nCommunityNodes.configs.recommendedWithoutN8nCloudSupport.rules,
			// csv-parse reads every CSV file people make (Excel, Google Sheets: comma, semicolon, tab, quotes, BOM).
			'@n8n/community-nodes/no-runtime-dependencies': 'off',
			// The package has no public contact address or home page yet; inventing one would mislead its users.
			'@n8n/community-nodes/valid-author': 'off',
			'@n8n/community-nodes/require-homepage': 'off',
		},
	},
);
