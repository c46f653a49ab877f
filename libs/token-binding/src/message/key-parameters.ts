// Internal: validation of a caller's key-parameters allow-list.
import { type TokenBindingKeyParameters, tokenBindingKeyParametersCodes } from '../constants';
import { TokenBindingError } from '../errors';

/** Checks that `allowed` is a non-empty array of known key-parameter names (a programmer error otherwise). */
export function checkAllowedKeyParameters(allowed: unknown): readonly TokenBindingKeyParameters[] {
  if (!Array.isArray(allowed) || allowed.length === 0) {
    throw new TokenBindingError(
      'ERR_TB_INVALID_ARGUMENT',
      'allowedKeyParameters must be a non-empty array',
    );
  }
  for (const name of allowed) {
    if (typeof name !== 'string' || !Object.hasOwn(tokenBindingKeyParametersCodes, name)) {
      throw new TokenBindingError(
        'ERR_TB_INVALID_ARGUMENT',
        `unknown key parameters in allowedKeyParameters: ${String(name)}`,
      );
    }
  }
  return allowed as readonly TokenBindingKeyParameters[];
}
