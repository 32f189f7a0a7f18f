// Public types of the Scantrust sandbox. Field names of API objects follow the seeds (snake_case, as the API sends them).

export type Origin = 'api' | 'storage';

/** What the detail route `GET /api/v2/ingestion/{key}/` answers with (seed 002 shows a list envelope). */
export type IngestionDetailShape = 'list' | 'bare' | 'listWithOthers';

export interface SandboxOptions {
	/** API origin port, 0 = random. Both origins bind 127.0.0.1. */
	port?: number;
	/** Storage origin port (S3 uploads + archive downloads), 0 = random. */
	storagePort?: number;
	/** UAT token -> permissions. Default `{ 'sandbox-token': 'all' }`. */
	tokens?: Record<string, string[] | 'all'>;
	/** How long work-order code generation takes (ms, default 300). */
	generationDelayMs?: number;
	/** How long ingestion processing takes (ms, default 300). */
	ingestionDelayMs?: number;
	/** DRF default `limit` (20). */
	pageSizeDefault?: number;
	/** Cap on `?limit=` (100). */
	maxPageSize?: number;
	/** Per-token sliding window (default 3000 requests per 60 s, the published limit). */
	rateLimit?: { limit: number; windowMs: number };
	/** Default 'list' (seed 002). */
	ingestionDetailShape?: IngestionDetailShape;
	/** The `scm_update` throttle scope per token (default 10 requests per 1,000 ms, the published limit). */
	scmRateLimit?: { limit: number; windowMs: number };
	/** Most codes a synchronous SCM update handles before it times out (504, nothing updated); default 1,000. */
	scmSyncMaxCodes?: number;
	/** How long an asynchronous SCM task takes from pending to its end (ms, default 300). */
	scmTaskDelayMs?: number;
	/** When set, every asynchronous SCM task that ends fails with this message. */
	scmTaskFailure?: string | null;
	/** How long a code data export document takes to be ready (ms, default 300). */
	exportDelayMs?: number;
	/** Scans per page of the scan export in cursor mode (not documented; default 100). */
	scanPageSize?: number;
	/** How long an issued upload form (presigned POST) is valid (ms, default 30 minutes); 0 or less: expired at once. */
	postFormTtlMs?: number;
	/** How add-sids / create-from-template answer in file mode (not documented; default 'postData'). */
	uploadFormShape?: UploadFormShape;
}

/** `postData`: `{post_data: {url, fields}, record_key}` (as get-post-data); `flat`: `{url, fields, record_key}`. */
export type UploadFormShape = 'postData' | 'flat';

export type ResolvedOptions = Required<SandboxOptions>;

export interface RecordedRequest {
	origin: Origin;
	method: string;
	/** Raw path as received, without the query string (still percent-encoded). */
	path: string;
	query: Record<string, string>;
	/** Every header, names lower-cased; repeated headers joined with ', '. */
	headers: Record<string, string>;
	body?: Buffer;
	/** Date.now() when the request arrived. */
	at: number;
}

export interface FaultRule {
	method?: string;
	/** A string matches the path (without query) exactly; a RegExp is tested against it. */
	path: RegExp | string;
	status: number;
	/** How many requests the rule answers (default 1); removed from `faults` once used up. */
	times?: number;
	/** How many matching requests go through untouched before the rule answers (default 0). */
	skip?: number;
	/** Seconds: sets Retry-After; for 429 the N in the detail too. */
	retryAfter?: number;
	/** 429 only: put N in the detail but send no Retry-After header. */
	retryAfterInDetailOnly?: boolean;
	/** Response body (object -> JSON, string/Buffer as is). Default: a body like the real service's. */
	body?: unknown;
	/** Handle the request for real, then answer with `status` (e.g. created server-side but answered 502). */
	afterHandling?: boolean;
	/** Wait this long before answering. */
	delayMs?: number;
	/** Drop the connection without an answer (a network error for the client). */
	destroySocket?: boolean;
}

export interface CompanyRef {
	id: number;
	name: string;
}

export interface Product {
	id: number;
	sku: string;
	name: string;
	brand: CompanyRef;
	/** Fields below are optional so that tests and benches can push a product with the four above. */
	uuid?: string;
	description?: string;
	client_url?: string;
	is_archived?: boolean;
	creation_date?: string;
	/** Campaign id; a product without one is in the company's default campaign. */
	campaign?: number;
}

/** A brand: products name it by id or by its reference. */
export interface Brand extends CompanyRef {
	reference: string;
}

/** A campaign and the SCM field keys it defines (Scantrust discards keys a code's campaign does not define). */
export interface Campaign {
	id: number;
	name: string;
	description: string;
	is_archived: boolean;
	scm_fields: string[];
}

/** What Scantrust keeps per code that can change after printing; made when a code is first changed. */
export interface CodeRecord {
	activation_status: number;
	blacklist_reason: number;
	/** Product id, or null. */
	product: number | null;
	is_consumed: boolean;
	consumed_date: string | null;
	scm: Record<string, string>;
	scm_updated_at: string | null;
	scm_updated_by: string | null;
	activated_at: string | null;
	activated_by: string | null;
	updated_at: string | null;
}

/** An asynchronous SCM update. */
export interface ScmTask {
	id: string;
	state: string;
	constraints: Record<string, string[]>;
	scm_data: Record<string, unknown>;
	codes_affected: number | null;
	created_at: string;
	started_at: string | null;
	completed_at: string | null;
	created_by: string;
	error: string | null;
	/** Sandbox only: Date.now() values at which it starts and ends. */
	startsAt: number;
	endsAt: number;
}

/** A code data export (the "document" of GET /codes/download/). */
export interface ExportDocument {
	key: string;
	task: string;
	status: string;
	created_at: string;
	completed_at: string | null;
	/** Sandbox only: the filters as received, the moment it is ready, and the CSV once it is. */
	query: URLSearchParams;
	readyAt: number;
	csv?: Buffer;
}

export interface Substrate {
	id: number;
	name: string;
	description: string;
}

export interface Equipment {
	id: number;
	name: string;
	description: string;
}

export interface Template {
	id: number;
	name: string;
	description: string;
	company: number;
	custom_layout: null;
	substrate: number | null;
	substrate_name: string;
	printing_partner: number | null;
	image: null;
	code_layout: string;
	use_serial_number: boolean;
	is_hybrid: boolean;
	is_fp_serialized: boolean;
	is_static_print: boolean;
	is_archived: boolean;
	activate_on_complete: boolean;
	url_prefix: string;
	extended_id_style: string;
	partner_permissions: unknown[];
}

export interface WorkOrder {
	id: number;
	company: CompanyRef;
	printing_partner: CompanyRef | null;
	equipment: Equipment | null;
	state: string;
	due_date: string | null;
	reference: string;
	creation_date: string;
	code_layout: string;
	use_serial_number: boolean;
	static_unique_codes_quantity: number;
	quantity: number;
	is_ready_to_print: boolean;
	date_codes_completed: string | null;
	is_archived: boolean;
	codegen_status: number;
	codegen_file: string | null;
	data: { remarks: string; static_unique_codes_quantity: number; activate_on_complete: boolean };
	product: { id: number; sku: string; name: string } | null;
	brand: CompanyRef | null;
	remarks: string;
	printed_date: string | null;
	has_secure_workflow: boolean;
	static_impositions: number;
	designer: null;
	external_id: string;
	is_fingerprint_trained: boolean;
	substrate: Substrate | null;
	template: number | null;
	template_image: null;
	is_hybrid: boolean;
	is_static_print: boolean;
	is_fp_serialized: boolean;
	url_prefix: string;
	extended_id_style: string;
	partner_permissions: unknown[];
}

export interface ArchiveOptions {
	/** Add a header row to codes.csv. */
	header?: boolean;
	/** CRLF line endings instead of LF. */
	crlf?: boolean;
	/** UTF-8 byte order mark before codes.csv. */
	bom?: boolean;
	/** Serve bytes that are not a readable zip. */
	corrupt?: boolean;
	omitCodesCsv?: boolean;
	/** Folder inside the zip (default `work order <id> <key>`); '' puts the files at the root. */
	folderName?: string;
	/** One more file; `name` is its full path inside the zip. */
	extraEntry?: { name: string; content: Buffer };
	/** Headers claim codes.csv unpacks to this many bytes (a zip bomb's lie, up to 0xFFFFFFFE). */
	declaredCodesCsvSize?: number;
}

/** Sandbox-only facts about a work order that the API does not show. */
export interface WorkOrderExtra {
	/** The "cryptic alphanumeric key" in the archive's folder and file name. */
	key: string;
	kind: 'sid' | 'ssc';
	/** First serial number (used only when use_serial_number). */
	serialStart: number;
	/** Date.now() value at which running generation finishes; null when not generating. */
	generationDueAt: number | null;
	/** Extended IDs of a work order created by ingestion (instead of generated ones). */
	ingestedIds?: string[];
	archiveOptions: ArchiveOptions;
	/** Built archive, cached until the options change. */
	zip?: Buffer;
}

export interface GeneratedCode {
	extendedId: string;
	serialNumber: string;
	sequenceNumber: string;
	batch: number;
	url: string;
}

export interface IngestionRecord {
	id: number;
	key: string;
	description: string;
	status: string;
	type: string;
	ingestion_mode: string;
	created_at: string;
	created_by: number;
	status_updated_at: string;
	parameters: Record<string, unknown>;
	result_data: Record<string, unknown>;
	/** Records of the current ingestion API: `""` or the ingestion template `{id, key, name, description}`. */
	template?: '' | { id: number; key: string; name: string; description: string };
	/** Records of the current ingestion API in file mode: where the uploaded file is kept. */
	uploaded_file?: string | null;
}

/** An ingestion template: what Scantrust sets up for a company's own codes, named by its key. */
export interface IngestionTemplate {
	id: number;
	key: string;
	name: string;
	description: string;
	/** 'ssc' codes are printed by a printing partner, so an SSC upload must name one unless the template does. */
	code_type: 'sid' | 'ssc';
	printing_partner: number | null;
	url_prefix: string;
}

/** A presigned POST form handed out by get-post-data. */
export interface PostForm {
	recordKey: string;
	objectKey: string;
	fields: Record<string, string>;
	/** Date.now() value after which S3 refuses the form (tests may lower it). */
	expiresAt: number;
}

export interface StoredUpload {
	/** Every non-file form field as posted. */
	fields: Record<string, string>;
	filename: string;
	/** The object's content type: the form's Content-Type field (what S3 stores). */
	contentType: string;
	/** The Content-Type header of the file part itself. */
	partContentType: string;
	content: Buffer;
}

/** Options of a process call, kept until processing runs. */
export interface ProcessRequest {
	defaultScmData: Record<string, unknown>;
	urlPrefix: string | null;
	allowPostedDuplicates: boolean;
	dueAt: number;
	/** Current ingestion API only: `default` or `gs1`. */
	idFormat?: string;
	printingPartner?: CompanyRef | null;
	template?: IngestionTemplate | null;
	/** Api mode: the codes of the request body (no file). */
	rows?: Record<string, unknown>[];
}

export interface SandboxState {
	/** Live UAT token -> permissions (a copy of options.tokens; tests may add tokens, reset() restores them). */
	tokens: Record<string, string[] | 'all'>;
	templates: Template[];
	products: Product[];
	substrates: Substrate[];
	equipment: Equipment[];
	printingPartners: CompanyRef[];
	workOrders: WorkOrder[];
	workOrderExtras: Map<number, WorkOrderExtra>;
	ingestionRecords: IngestionRecord[];
	/** Ingestion templates by key (create-from-template). */
	ingestionTemplates: IngestionTemplate[];
	/** Presigned forms by S3 object key. */
	postForms: Map<string, PostForm>;
	/** Uploaded objects by S3 object key (`ingestion/<record_key>.csv`). */
	uploads: Map<string, StoredUpload>;
	/** Pending process calls by record key. */
	processRequests: Map<string, ProcessRequest>;
	/** Rows of successfully ingested files, as parsed, by record key. */
	ingestedCodes: Map<string, Record<string, unknown>[]>;
	/** Every code id ingested so far (ids are unique system-wide). */
	knownCodeIds: Set<string>;
	brands: Brand[];
	campaigns: Campaign[];
	/** Codes changed since they were made, by extended id (the others are as their work order made them). */
	codeRecords: Map<string, CodeRecord>;
	scmTasks: ScmTask[];
	documents: ExportDocument[];
	/** Every scan, in the order they were added (the export sorts them). */
	scans: StoredScan[];
	nextIds: { workOrder: number; ingestionRecord: number; serial: number; product: number };
}

export interface CreateWorkOrderInput {
	template: number | string;
	quantity: number | string;
	reference?: string;
	printing_partner?: number | string;
	product?: number | string;
	due_date?: string;
	total_impressions?: number | string;
	remarks?: string;
}

export interface Sandbox {
	apiUrl: string;
	storageUrl: string;
	/** The default all-permissions token. */
	token: string;
	/** Resolved options; tests may change delays, rate limit and shapes at run time (tokens: see state.tokens). */
	options: ResolvedOptions;
	requests: RecordedRequest[];
	faults: FaultRule[];
	state: SandboxState;
	/** Unexpected exceptions inside the sandbox (answered as 500). */
	serverErrors: Error[];
	createWorkOrder(input: CreateWorkOrderInput): WorkOrder;
	completeGeneration(id: number): void;
	codesFor(id: number): GeneratedCode[];
	setArchiveOptions(id: number, options: ArchiveOptions): void;
	/** A code as Scantrust holds it now (after SCM updates), or undefined when no code has this extended id. */
	code(extendedId: string): CodeView | undefined;
	/** Records a scan of a code the sandbox holds (throws for an unknown code); see AddScanInput. */
	addScan(input: AddScanInput): ScanRecord;
	reset(): void;
	close(): Promise<void>;
}

/** A code as the sandbox reports it (export rows, tests). */
export interface CodeView extends CodeRecord {
	extended_id: string;
	serial_number: string;
	workorder_id: number;
	/** Campaign id the code belongs to (its product's). */
	campaign: number;
}

/** Device section of a scan (Scantrust's glossary names the section, not its fields: these are the sandbox's). */
export interface ScanDevice {
	os: string;
	os_version: string;
	model: string;
	browser: string;
}

/** Location section of a scan (fields chosen by the sandbox, as for the device). */
export interface ScanLocation {
	country: string;
	/** ISO alpha-2, lower case (as Scantrust writes intended_market). */
	country_code: string;
	city: string;
	latitude: number;
	longitude: number;
	/** `ip` or `gps`: the glossary says the location is IP or GPS based. */
	source: string;
}

/** A scan as the scan export lists it: the documented sections and fields, plus the device and location above. */
export interface ScanRecord {
	scan: {
		uuid: string;
		/** Django's format, e.g. 2026-01-10T12:00:00.123456Z. */
		datetime: string;
		/** Unix epoch seconds (with the fraction). */
		timestamp: number;
		app: string;
		reason: string;
		result: string;
		computed_status: string;
		auth_failure_mode: string | null;
		flags: string[];
		unique_user: string;
		install_id: string;
		utid: string;
	};
	user: { email: string | null };
	code: { extended_id: string; serial_number: string; activation_status: number; blacklist_reason: number };
	/** null for a code without a product. */
	product: { id: number; sku: string; name: string; brand_name: string } | null;
	device: ScanDevice;
	location: ScanLocation;
	/** The code's SCM fields at the time of the scan. */
	scm: Record<string, string>;
}

export interface StoredScan {
	record: ScanRecord;
	/** Campaign of the code when it was scanned. */
	campaign: number;
}

/** What a test says about a scan; the rest comes from the code (at that moment) and defaults. */
export interface AddScanInput {
	extendedId: string;
	/** When it was made: an ISO date-time in UTC or Date.now()-style ms; default now (strictly increasing). */
	at?: string | number;
	/** e.g. ['counterfeit'] or ['out-of-market']; default none. */
	flags?: string[];
	/** `query` (default) or `auth`. */
	reason?: string;
	/** `ok`, or `failure` (the default for a counterfeit flag). */
	result?: string;
	app?: string;
	/** A named user's e-mail (default none). */
	email?: string | null;
	device?: Partial<ScanDevice>;
	location?: Partial<ScanLocation>;
}
