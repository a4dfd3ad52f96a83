/**
 * The version `syncalite --version` prints: the package's (a test keeps them equal).
 *
 * @since 0.1.0
 * @category constants
 */
export const version = "0.1.0"
