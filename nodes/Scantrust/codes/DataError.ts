/**
 * Thrown by the pure data helpers in this folder (archives, code files) when the data itself is wrong.
 * They know no n8n node, so operations turn it into a NodeOperationError that names the item.
 * The message already names the row/line and field, e.g. 'Row 12, field "id": "ab" is shorter than 8 characters'.
 */
export class DataError extends Error {
	constructor(
		message: string,
		readonly description?: string,
	) {
		super(message);
		this.name = 'DataError';
	}
}
