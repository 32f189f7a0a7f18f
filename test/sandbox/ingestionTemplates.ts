// Ingestion templates: set up by Scantrust for a company's own codes and named by a key ("provided by Scantrust").
// Scantrust documents no route that lists them, so the sandbox has none; tests use the keys below.
import type { IngestionTemplate } from './types';

/** The seeded templates' keys. What a real key looks like is not documented. */
export const INGESTION_TEMPLATE_KEYS = {
	sid: 'itk-sid-own-codes',
	sscNoPartner: 'itk-ssc-own-codes',
	sscWithPartner: 'itk-ssc-partner-346',
} as const;

export const INGESTION_TEMPLATES: IngestionTemplate[] = [
	{ id: 901, key: INGESTION_TEMPLATE_KEYS.sid, name: 'Own SID codes', description: 'SID codes from your own ids', code_type: 'sid', printing_partner: null, url_prefix: 'HTTPS://QR2.CH/Q/' },
	{ id: 902, key: INGESTION_TEMPLATE_KEYS.sscNoPartner, name: 'Own SSC codes', description: 'Secure codes, the printer is named per upload', code_type: 'ssc', printing_partner: null, url_prefix: 'HTTPS://QR1.CH/Q/' },
	{ id: 903, key: INGESTION_TEMPLATE_KEYS.sscWithPartner, name: 'Own SSC codes, PrintPartner One', description: 'Secure codes printed by partner 346', code_type: 'ssc', printing_partner: 346, url_prefix: 'HTTPS://QR1.CH/Q/' },
];
