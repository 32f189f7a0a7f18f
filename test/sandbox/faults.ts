// Injected faults: rules the tests push, matched before normal handling and used up after `times` requests.
import { STATUS_CODES } from 'node:http';
import { throttled } from './rateLimit';
import type { Reply } from './reply';
import { s3ErrorReply } from './s3Xml';
import type { FaultRule, Origin } from './types';

/** Finds the first rule for this request and counts one use of it (removing it when used up). */
export function takeFault(faults: FaultRule[], method: string, path: string): FaultRule | undefined {
	const index = faults.findIndex(
		(rule) => (!rule.method || rule.method.toUpperCase() === method) && (typeof rule.path === 'string' ? rule.path === path : rule.path.test(path)),
	);
	if (index < 0) return undefined;
	const rule = faults[index];
	if (rule.skip) {
		rule.skip--;
		return undefined;
	}
	const left = (rule.times ?? 1) - 1;
	if (left <= 0) faults.splice(index, 1);
	else rule.times = left;
	return rule;
}

/** The answer a fault gives: its own body, or what the real service would send for that status. */
export function faultReply(rule: FaultRule, origin: Origin): Reply {
	const headers: Record<string, string> = {};
	if (rule.retryAfter !== undefined && !rule.retryAfterInDetailOnly) headers['Retry-After'] = String(rule.retryAfter);
	if (rule.body !== undefined) {
		if (typeof rule.body === 'string') headers['Content-Type'] = rule.body.startsWith('<') ? 'text/html' : 'text/plain; charset=utf-8';
		return { status: rule.status, headers, body: rule.body };
	}
	if (origin === 'storage') return { ...s3ErrorReply(rule.status), headers: { ...headers, 'Content-Type': 'application/xml' } };
	if (rule.status === 429) {
		const err = throttled(rule.retryAfter ?? 1, !rule.retryAfterInDetailOnly);
		return { status: 429, headers: err.headers, body: err.body };
	}
	if (rule.status >= 500) {
		// 5xx come from Django (500) or the load balancer in front of it (502-504), both as HTML.
		const title = `${rule.status} ${STATUS_CODES[rule.status] ?? 'Error'}`;
		const html = rule.status === 500 ? '<h1>Server Error (500)</h1>' : `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center></body></html>`;
		return { status: rule.status, headers: { ...headers, 'Content-Type': 'text/html' }, body: html };
	}
	return { status: rule.status, headers, body: { detail: STATUS_CODES[rule.status] ?? 'Error' } };
}
