const { src, dest } = require('gulp');

// tsc compiles the TypeScript; the icons (and codex files) must be copied beside the compiled nodes.
function buildIcons() {
	return src(['nodes/**/*.{png,svg}', 'credentials/**/*.{png,svg}'], { base: '.', encoding: false }).pipe(dest('dist'));
}

exports['build:icons'] = buildIcons;
